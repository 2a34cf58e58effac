package kafka_test

// Benchmarks: the adapter and raw sarama side by side, same broker, same
// producer settings (acks=all, idempotent, one open request per broker,
// no compression, no linger), 256-byte bodies, records without key. The
// msg/s metric of the consume benchmarks counts from the first record
// received to the last (joining the group is not timed). Run:
//
//	go test -run '^$' -bench . -benchtime 20000x -count 3 ./kafka/
//
// Figures are in docs/benchmarks-kafka.md.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

var benchBody = make([]byte, 256)

// rawProducerConfig is what the adapter's confirmed pipeline uses.
func rawProducerConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_8_0_0
	c.ClientID = "unimq-bench-raw"
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1
	c.Producer.MaxMessageBytes = 1 << 20
	return c
}

func benchTopic(b *testing.B, c *mq.Client, partitions int32) string {
	b.Helper()
	return newTopic(b, c, "bench", partitions)
}

func report(b *testing.B, start time.Time) {
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/el, "msg/s")
	b.ReportMetric(float64(b.N)*float64(len(benchBody))/el/1e6, "MB/s")
}

func BenchmarkAsyncPublish(b *testing.B) {
	c := open(b)
	topic := benchTopic(b, c, 3)
	ctx := context.Background()
	b.Run("sarama", func(b *testing.B) {
		ap, err := sarama.NewAsyncProducer(brokertest.KafkaAddrs(b), rawProducerConfig())
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		var failed atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			s, e := ap.Successes(), ap.Errors()
			for s != nil || e != nil {
				select {
				case _, ok := <-s:
					if !ok {
						s = nil
						continue
					}
					wg.Done()
				case _, ok := <-e:
					if !ok {
						e = nil
						continue
					}
					failed.Add(1)
					wg.Done()
				}
			}
		}()
		wg.Add(1) // warm up: metadata, producer id, connections
		ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)}
		wg.Wait()
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			wg.Add(1)
			ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)}
		}
		wg.Wait()
		report(b, start)
		b.StopTimer()
		ap.AsyncClose()
		<-done
		if failed.Load() > 0 {
			b.Fatalf("%d failed", failed.Load())
		}
	})
	b.Run("unimq", func(b *testing.B) {
		var wg sync.WaitGroup
		var failed atomic.Int64
		cb := func(_ *mq.Message, err error) {
			if err != nil {
				failed.Add(1)
			}
			wg.Done()
		}
		if err := c.Publish(ctx, topic, &mq.Message{Body: benchBody}); err != nil { // warm up
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			wg.Add(1)
			if err := c.PublishAsync(ctx, topic, &mq.Message{Body: benchBody}, cb); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait()
		report(b, start)
		if failed.Load() > 0 {
			b.Fatalf("%d failed", failed.Load())
		}
	})
}

// syncConcurrency publishers send one message at a time each.
const syncConcurrency = 16

func BenchmarkSyncPublish(b *testing.B) {
	c := open(b)
	topic := benchTopic(b, c, 3)
	ctx := context.Background()
	parallel := func(b *testing.B, send func() error) {
		if err := send(); err != nil { // warm up
			b.Fatal(err)
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, syncConcurrency)
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for w := 0; w < syncConcurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					if err := send(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		report(b, start)
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
	}
	b.Run("sarama", func(b *testing.B) {
		sp, err := sarama.NewSyncProducer(brokertest.KafkaAddrs(b), rawProducerConfig())
		if err != nil {
			b.Fatal(err)
		}
		defer sp.Close()
		parallel(b, func() error {
			_, _, err := sp.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)})
			return err
		})
	})
	b.Run("unimq", func(b *testing.B) {
		parallel(b, func() error {
			return c.Publish(ctx, topic, &mq.Message{Body: benchBody})
		})
	})
}

// fill produces n records to a new topic with raw sarama.
func fill(b *testing.B, c *mq.Client, n int) string {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	topic := benchTopic(b, c, 3)
	ap, err := sarama.NewAsyncProducer(brokertest.KafkaAddrs(b), rawProducerConfig())
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for i := 0; i < n; i++ {
			ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)}
		}
	}()
	for i := 0; i < n; i++ {
		select {
		case <-ap.Successes():
		case err := <-ap.Errors():
			b.Fatal(err)
		}
	}
	if err := ap.Close(); err != nil {
		b.Fatal(err)
	}
	return topic
}

type countingHandler struct {
	n     atomic.Int64
	want  int64
	first atomic.Int64 // unix nanos of the first record
	done  chan struct{}
}

func (h *countingHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *countingHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *countingHandler) ConsumeClaim(s sarama.ConsumerGroupSession, cl sarama.ConsumerGroupClaim) error {
	for m := range cl.Messages() {
		s.MarkMessage(m, "")
		h.first.CompareAndSwap(0, time.Now().UnixNano())
		if h.n.Add(1) == h.want {
			close(h.done)
		}
	}
	return nil
}

func BenchmarkGroupConsume(b *testing.B) {
	c := open(b)
	b.Run("sarama", func(b *testing.B) {
		topic := fill(b, c, b.N)
		cfg := sarama.NewConfig()
		cfg.Version = sarama.V2_8_0_0
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.IsolationLevel = sarama.ReadCommitted
		cfg.Consumer.Offsets.AutoCommit.Interval = 500 * time.Millisecond
		cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
		g, err := sarama.NewConsumerGroup(brokertest.KafkaAddrs(b), mqtest.UniqueName("bench-raw"), cfg)
		if err != nil {
			b.Fatal(err)
		}
		h := &countingHandler{want: int64(b.N), done: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		loop := make(chan struct{})
		b.ResetTimer()
		go func() {
			defer close(loop)
			for ctx.Err() == nil {
				if err := g.Consume(ctx, []string{topic}, h); err != nil {
					return
				}
			}
		}()
		<-h.done
		report(b, time.Unix(0, h.first.Load()))
		b.StopTimer()
		cancel()
		_ = g.Close()
		<-loop
	})
	b.Run("unimq", func(b *testing.B) {
		topic := fill(b, c, b.N)
		var n, first atomic.Int64
		done := make(chan struct{})
		want := int64(b.N)
		b.ResetTimer()
		s, err := c.Subscribe(context.Background(), topic, func(ctx context.Context, m *mq.Message) error {
			first.CompareAndSwap(0, time.Now().UnixNano())
			if n.Add(1) == want {
				close(done)
			}
			return nil
		}, mq.Group(mqtest.UniqueName("bench-unimq")), mq.StartFrom(mq.Oldest), mq.Concurrency(64))
		if err != nil {
			b.Fatal(err)
		}
		<-done
		report(b, time.Unix(0, first.Load()))
		b.StopTimer()
		_ = s.Close(context.Background())
	})
}
