package kafka_test

// Benchmarks: the adapter and raw sarama in the same benchmark, same broker,
// same producer settings (acks=all, idempotent, one open request per broker,
// no compression, no linger), 256-byte bodies, records without key, topics
// of 3 partitions. Each benchmark makes benchtest.Rounds rounds in which
// raw and unimq each handle b.N/Rounds records, alternately first, and
// reports the median rate of each side, the median per-round ratio
// unimq/raw and allocations per message. Run:
//
//	go test -run '^$' -bench . -benchtime 100000x ./kafka/
//
// Figures are in docs/benchmarks-kafka.md.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/benchtest"
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

// rawAsync is a raw AsyncProducer whose confirmations a goroutine counts.
type rawAsync struct {
	ap     sarama.AsyncProducer
	wg     sync.WaitGroup
	failed atomic.Int64
	done   chan struct{}
}

func newRawAsync(b *testing.B) *rawAsync {
	ap, err := sarama.NewAsyncProducer(brokertest.KafkaAddrs(b), rawProducerConfig())
	if err != nil {
		b.Fatal(err)
	}
	r := &rawAsync{ap: ap, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		s, e := ap.Successes(), ap.Errors()
		for s != nil || e != nil {
			select {
			case _, ok := <-s:
				if !ok {
					s = nil
					continue
				}
				r.wg.Done()
			case _, ok := <-e:
				if !ok {
					e = nil
					continue
				}
				r.failed.Add(1)
				r.wg.Done()
			}
		}
	}()
	b.Cleanup(func() {
		ap.AsyncClose()
		<-r.done
	})
	return r
}

// send produces n records to topic and waits for every confirmation.
func (r *rawAsync) send(topic string, n int) error {
	r.wg.Add(n)
	for i := 0; i < n; i++ {
		r.ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)}
	}
	r.wg.Wait()
	if f := r.failed.Swap(0); f > 0 {
		return fmt.Errorf("%d records failed", f)
	}
	return nil
}

func BenchmarkAsyncPublish(b *testing.B) {
	c := open(b)
	topic := benchTopic(b, c, 3)
	ctx := context.Background()
	raw := newRawAsync(b)
	// warm up both: metadata, producer id, connections
	if err := raw.send(topic, 1); err != nil {
		b.Fatal(err)
	}
	if err := c.Publish(ctx, topic, &mq.Message{Body: benchBody}); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	cb := func(_ *mq.Message, err error) {
		if err != nil {
			failed.Add(1)
		}
		wg.Done()
	}
	b.ResetTimer()
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error { return raw.send(topic, n) })
	}, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error {
			wg.Add(n)
			for i := 0; i < n; i++ {
				if err := c.PublishAsync(ctx, topic, &mq.Message{Body: benchBody}, cb); err != nil {
					return err
				}
			}
			wg.Wait()
			if f := failed.Swap(0); f > 0 {
				return fmt.Errorf("%d records failed", f)
			}
			return nil
		})
	})
}

// syncConcurrency publishers send one message at a time each.
const syncConcurrency = 16

func BenchmarkSyncPublish(b *testing.B) {
	c := open(b)
	topic := benchTopic(b, c, 3)
	ctx := context.Background()
	sp, err := sarama.NewSyncProducer(brokertest.KafkaAddrs(b), rawProducerConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	rawSend := func() error {
		_, _, err := sp.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(benchBody)})
		return err
	}
	uniSend := func() error { return c.Publish(ctx, topic, &mq.Message{Body: benchBody}) }
	for _, warm := range []func() error{rawSend, uniSend} {
		if err := warm(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error { return benchtest.Parallel(n, syncConcurrency, rawSend) })
	}, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error { return benchtest.Parallel(n, syncConcurrency, uniSend) })
	})
}

type countingHandler struct {
	n     atomic.Int64
	want  int64
	first atomic.Int64 // unix nanos of the first record
	done  chan struct{}
	work  func(body []byte) // the handler's own work, nil for none
}

func (h *countingHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *countingHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *countingHandler) ConsumeClaim(s sarama.ConsumerGroupSession, cl sarama.ConsumerGroupClaim) error {
	for m := range cl.Messages() {
		if h.work != nil {
			h.work(m.Value)
		}
		s.MarkMessage(m, "")
		h.first.CompareAndSwap(0, time.Now().UnixNano())
		if h.n.Add(1) == h.want {
			close(h.done)
		}
	}
	return nil
}

// waitConsumed waits for done; first is when the first record arrived.
func waitConsumed(done <-chan struct{}, first, got *atomic.Int64, n int) (time.Duration, error) {
	select {
	case <-done:
		return time.Since(time.Unix(0, first.Load())), nil
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("consumed %d of %d", got.Load(), n)
	}
}

// BenchmarkGroupConsume: each round, n records produced beforehand (not
// timed) to a new topic are read by a new group from the oldest offset:
// Subscribe with default options (a handler returning nil) vs a raw
// ConsumerGroup whose ConsumeClaim marks each record. Timed from the first
// record received to the last (joining the group is not timed).
func BenchmarkGroupConsume(b *testing.B) { groupConsume(b, nil, false) }

// BenchmarkGroupConsumeTuned is BenchmarkGroupConsume with Concurrency(64).
func BenchmarkGroupConsumeTuned(b *testing.B) { groupConsume(b, nil, false, mq.Concurrency(64)) }

// BenchmarkGroupConsumeBatch is BenchmarkGroupConsume with SubscribeBatch
// and its defaults (batches of up to 100, 50 ms linger), a batch handler
// returning nil.
func BenchmarkGroupConsumeBatch(b *testing.B) { groupConsume(b, nil, true) }

// BenchmarkGroupConsumeWork is BenchmarkGroupConsume with handlers that do
// some work: each hashes the record's body 20 times (SHA-256, about 6.5 µs
// of CPU here), raw in its ConsumeClaim loop, unimq in its handler. It shows
// what the adapter's cost per record weighs next to a handler's own.
func BenchmarkGroupConsumeWork(b *testing.B) {
	groupConsume(b, func(body []byte) {
		for i := 0; i < 20; i++ {
			sinkSum = sha256.Sum256(body)
		}
	}, false)
}

var sinkSum [32]byte

// groupConsume alternates raw and unimq rounds; batch makes the unimq side
// subscribe with SubscribeBatch, opts are its options beyond the group and
// start position.
func groupConsume(b *testing.B, work func(body []byte), batch bool, opts ...mq.Option) {
	c := open(b)
	raw := newRawAsync(b)
	fill := func(n int) (topic string, err error) {
		err = benchtest.Setup(func() error {
			topic = benchTopic(b, c, 3)
			return raw.send(topic, n)
		})
		return topic, err
	}
	b.ResetTimer()
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		topic, err := fill(n)
		if err != nil {
			return 0, err
		}
		cfg := sarama.NewConfig()
		cfg.Version = sarama.V2_8_0_0
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
		cfg.Consumer.IsolationLevel = sarama.ReadCommitted
		cfg.Consumer.Offsets.AutoCommit.Interval = 500 * time.Millisecond
		cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
		g, err := sarama.NewConsumerGroup(brokertest.KafkaAddrs(b), mqtest.UniqueName("bench-raw"), cfg)
		if err != nil {
			return 0, err
		}
		h := &countingHandler{want: int64(n), done: make(chan struct{}), work: work}
		ctx, cancel := context.WithCancel(context.Background())
		loop := make(chan struct{})
		go func() {
			defer close(loop)
			for ctx.Err() == nil {
				if err := g.Consume(ctx, []string{topic}, h); err != nil {
					return
				}
			}
		}()
		d, err := waitConsumed(h.done, &h.first, &h.n, n)
		cancel()
		_ = g.Close()
		<-loop
		return d, err
	}, func(n int) (time.Duration, error) {
		topic, err := fill(n)
		if err != nil {
			return 0, err
		}
		var got, first atomic.Int64
		done := make(chan struct{})
		count := func(k int) {
			first.CompareAndSwap(0, time.Now().UnixNano())
			if got.Add(int64(k)) == int64(n) {
				close(done)
			}
		}
		opts := append([]mq.Option{mq.Group(mqtest.UniqueName("bench-unimq")), mq.StartFrom(mq.Oldest)}, opts...)
		var s *mq.Subscriber
		if batch {
			s, err = c.SubscribeBatch(context.Background(), topic, func(ctx context.Context, ms []*mq.Message) error {
				if work != nil {
					for _, m := range ms {
						work(m.Body)
					}
				}
				count(len(ms))
				return nil
			}, opts...)
		} else {
			s, err = c.Subscribe(context.Background(), topic, func(ctx context.Context, m *mq.Message) error {
				if work != nil {
					work(m.Body)
				}
				count(1)
				return nil
			}, opts...)
		}
		if err != nil {
			return 0, err
		}
		d, err := waitConsumed(done, &first, &got, n)
		_ = s.Close(context.Background())
		return d, err
	})
}
