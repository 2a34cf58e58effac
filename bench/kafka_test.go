package bench

// Kafka: unimq with default options against raw sarama and watermill-kafka
// v3, same broker, same producer settings on every side (acks=all,
// idempotent, one open request per broker, no compression, no linger),
// 256-byte bodies without key, topics of 3 partitions, rounds alternating
// (benchtest.Compare). Figures and commands: docs/benchmarks-peers.md.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// kafkaProducerConfig is the producer every side uses: what unimq's
// confirmed pipeline sets by default.
func kafkaProducerConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_8_0_0
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1
	c.Producer.MaxMessageBytes = 1 << 20
	return c
}

// kafkaConsumerConfig is the group consumer raw sarama and watermill use:
// sarama's defaults, reading from the oldest offset.
func kafkaConsumerConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V2_8_0_0
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = true
	return c
}

func kafkaClient(b *testing.B) *mq.Client {
	b.Helper()
	c, err := mq.Open(context.Background(), brokertest.KafkaURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func kafkaTopic(b *testing.B, c *mq.Client) string {
	b.Helper()
	name := mqtest.UniqueName("peers")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafka.CreateTopic(ctx, c, name, 3, 1); err != nil {
		b.Fatal(err)
	}
	return name
}

// BenchmarkKafkaSyncPublish: 16 goroutines, each sending one record at a
// time and waiting for it: sarama SyncProducer, unimq Publish, watermill
// Publisher.Publish (a SyncProducer underneath, one record per call).
func BenchmarkKafkaSyncPublish(b *testing.B) {
	const conc = 16
	ctx := context.Background()
	c := kafkaClient(b)
	topic := kafkaTopic(b, c)
	sp, err := sarama.NewSyncProducer(brokertest.KafkaAddrs(b), kafkaProducerConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	wp, err := wkafka.NewPublisher(wkafka.PublisherConfig{
		Brokers: brokertest.KafkaAddrs(b), Marshaler: wkafka.DefaultMarshaler{},
		OverwriteSaramaConfig: kafkaProducerConfig(),
	}, watermill.NopLogger{})
	if err != nil {
		b.Fatal(err)
	}
	defer wp.Close()
	sends := []benchtest.Side{
		{Name: "raw", Run: parallel(conc, func() error {
			_, _, err := sp.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(body)})
			return err
		})},
		{Name: "unimq", Run: parallel(conc, func() error { return c.Publish(ctx, topic, &mq.Message{Body: body}) })},
		{Name: "watermill", Run: parallel(conc, func() error {
			return wp.Publish(topic, message.NewMessage(watermill.NewUUID(), body))
		})},
	}
	for _, s := range sends { // warm up: connections, metadata
		if _, err := s.Run(1); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	benchtest.Compare(b, "unimq", sends...)
}

// parallel is a Side's Run sending n messages with op on conc goroutines.
func parallel(conc int, op func() error) func(n int) (time.Duration, error) {
	return func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error { return benchtest.Parallel(n, conc, op) })
	}
}

// BenchmarkKafkaGroupConsume: each round, n records produced beforehand
// (not timed) to a new topic are read by a new group from the oldest
// offset: a raw ConsumerGroup whose ConsumeClaim marks each record, unimq
// Subscribe with default options (a handler returning nil), and watermill's
// Subscriber (acking each message). Timed from the first record received to
// the last: joining the group is left out.
func BenchmarkKafkaGroupConsume(b *testing.B) {
	c := kafkaClient(b)
	fill := kafkaFiller(b, c)
	b.ResetTimer()
	benchtest.Compare(b, "unimq",
		benchtest.Side{Name: "raw", Run: func(n int) (time.Duration, error) {
			topic, err := fill(n)
			if err != nil {
				return 0, err
			}
			return rawGroupConsume(b, topic, n)
		}},
		benchtest.Side{Name: "unimq", Run: func(n int) (time.Duration, error) {
			topic, err := fill(n)
			if err != nil {
				return 0, err
			}
			w := newWindow(n)
			s, err := c.Subscribe(context.Background(), topic, func(ctx context.Context, m *mq.Message) error {
				w.add()
				return nil
			}, mq.Group(mqtest.UniqueName("peers-unimq")), mq.StartFrom(mq.Oldest))
			if err != nil {
				return 0, err
			}
			defer s.Close(context.Background())
			return w.wait()
		}},
		benchtest.Side{Name: "watermill", Run: func(n int) (time.Duration, error) {
			topic, err := fill(n)
			if err != nil {
				return 0, err
			}
			sub, err := wkafka.NewSubscriber(wkafka.SubscriberConfig{
				Brokers: brokertest.KafkaAddrs(b), Unmarshaler: wkafka.DefaultMarshaler{},
				OverwriteSaramaConfig: kafkaConsumerConfig(), ConsumerGroup: mqtest.UniqueName("peers-watermill"),
			}, watermill.NopLogger{})
			if err != nil {
				return 0, err
			}
			defer sub.Close()
			msgs, err := sub.Subscribe(context.Background(), topic)
			if err != nil {
				return 0, err
			}
			w := newWindow(n)
			go func() {
				for m := range msgs {
					m.Ack()
					w.add()
				}
			}()
			return w.wait()
		}},
	)
}

// kafkaFiller returns a round's set-up: a new topic holding n records,
// produced through benchtest.Setup so that it is left out of the figures.
func kafkaFiller(b *testing.B, c *mq.Client) func(n int) (string, error) {
	ap, err := sarama.NewAsyncProducer(brokertest.KafkaAddrs(b), kafkaProducerConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ap.Close() })
	return func(n int) (topic string, err error) {
		err = benchtest.Setup(func() error {
			topic = kafkaTopic(b, c)
			var wg sync.WaitGroup
			var failed atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					select {
					case <-ap.Successes():
					case <-ap.Errors():
						failed.Add(1)
					}
				}
			}()
			for i := 0; i < n; i++ {
				ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(body)}
			}
			wg.Wait()
			if f := failed.Load(); f > 0 {
				return fmt.Errorf("%d of %d records failed", f, n)
			}
			return nil
		})
		return topic, err
	}
}

// rawGroupConsume reads n records of topic with a new raw sarama group.
func rawGroupConsume(b *testing.B, topic string, n int) (time.Duration, error) {
	g, err := sarama.NewConsumerGroup(brokertest.KafkaAddrs(b), mqtest.UniqueName("peers-raw"), kafkaConsumerConfig())
	if err != nil {
		return 0, err
	}
	w := newWindow(n)
	ctx, cancel := context.WithCancel(context.Background())
	loop := make(chan struct{})
	go func() {
		defer close(loop)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{topic}, markEach{w}); err != nil {
				return
			}
		}
	}()
	go func() {
		for range g.Errors() {
		}
	}()
	d, err := w.wait()
	cancel()
	_ = g.Close()
	<-loop
	return d, err
}

// markEach is the raw loop: mark each record on the claim's goroutine.
type markEach struct{ w *window }

func (markEach) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (markEach) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h markEach) ConsumeClaim(s sarama.ConsumerGroupSession, cl sarama.ConsumerGroupClaim) error {
	for m := range cl.Messages() {
		s.MarkMessage(m, "")
		h.w.add()
	}
	return nil
}
