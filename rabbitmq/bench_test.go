package rabbitmq_test

// Benchmarks of the adapter against the raw amqp091-go client, in the same
// run, on the same broker, with the same settings: a durable topic exchange
// and a durable classic queue bound with "#", persistent 256-byte messages,
// the mandatory flag, publisher confirms, the same confirm window and the
// same prefetch. See docs/benchmarks-rabbitmq.md for the figures and the
// command.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
)

const (
	benchBody     = 256
	benchWindow   = 256 // confirms in flight for pipelined publishing
	benchPrefetch = 64
	// defaultPrefetch is what a Subscriber with default options holds on
	// RabbitMQ (mq's Concurrency default, 8; the adapter declares no
	// larger MinPrefetch).
	defaultPrefetch = 8
)

var payload = make([]byte, benchBody)

// benchTopic declares topic exchange + queue "<topic>.g" bound with "#",
// exactly what a unimq subscriber of group "g" declares.
func benchTopic(b *testing.B, ch *amqp.Channel) (topic, queue string) {
	b.Helper()
	topic = unique("bench")
	queue = topic + ".g"
	must(b, ch.ExchangeDeclare(topic, "topic", true, false, false, false, nil))
	_, err := ch.QueueDeclare(queue, true, false, false, false, nil)
	must(b, err)
	must(b, ch.QueueBind(queue, "#", topic, false, nil))
	b.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
	return topic, queue
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

func rawConn(b *testing.B) (*amqp.Connection, *amqp.Channel) {
	b.Helper()
	conn, err := amqp.Dial(brokertest.AMQPURI(b))
	must(b, err)
	b.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	must(b, err)
	return conn, ch
}

func benchClient(b *testing.B) *mq.Client {
	b.Helper()
	c, err := mq.Open(context.Background(), brokertest.AMQPURL(b))
	must(b, err)
	b.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func rawPublishing() amqp.Publishing {
	return amqp.Publishing{Body: payload, DeliveryMode: amqp.Persistent, MessageId: "m", Timestamp: time.Now()}
}

// Sync: one message, wait for its confirm, next.

func BenchmarkPublishSync(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		conn, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		ctx := context.Background()
		b.SetBytes(benchBody)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, topic, "a.b", true, false, rawPublishing())
			must(b, err)
			if ok, err := dc.WaitContext(ctx); err != nil || !ok {
				b.Fatal("not confirmed", err)
			}
		}
	})
	b.Run("unimq", func(b *testing.B) {
		_, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		c := benchClient(b)
		ctx := context.Background()
		b.SetBytes(benchBody)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			must(b, c.Publish(ctx, topic, &mq.Message{Tag: "a.b", Body: payload}))
		}
	})
}

// Pipelined: up to benchWindow unconfirmed messages in flight.

func BenchmarkPublishAsync(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		conn, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, benchWindow))
		ctx := context.Background()
		b.SetBytes(benchBody)
		b.ResetTimer()
		inflight := 0
		for i := 0; i < b.N; i++ {
			if inflight == benchWindow {
				if c := <-confirms; !c.Ack {
					b.Fatal("nack")
				}
				inflight--
			}
			must(b, ch.PublishWithContext(ctx, topic, "a.b", true, false, rawPublishing()))
			inflight++
		}
		for ; inflight > 0; inflight-- {
			if c := <-confirms; !c.Ack {
				b.Fatal("nack")
			}
		}
	})
	b.Run("unimq", func(b *testing.B) {
		_, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		c := benchClient(b)
		ctx := context.Background()
		window := make(chan struct{}, benchWindow)
		var failed atomic.Value
		var wg sync.WaitGroup
		b.SetBytes(benchBody)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			window <- struct{}{}
			wg.Add(1)
			err := c.PublishAsync(ctx, topic, &mq.Message{Tag: "a.b", Body: payload}, func(_ *mq.Message, err error) {
				if err != nil {
					failed.Store(err)
				}
				<-window
				wg.Done()
			})
			must(b, err)
		}
		wg.Wait()
		if err := failed.Load(); err != nil {
			b.Fatal(err)
		}
	})
}

// Batch: benchBatch messages written, then all their confirms awaited.

const benchBatch = 100

func BenchmarkPublishBatch(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		conn, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, benchBatch))
		ctx := context.Background()
		b.SetBytes(benchBody)
		b.ResetTimer()
		for i := 0; i < b.N; i += benchBatch {
			n := min(benchBatch, b.N-i)
			for j := 0; j < n; j++ {
				must(b, ch.PublishWithContext(ctx, topic, "a.b", true, false, rawPublishing()))
			}
			for j := 0; j < n; j++ {
				if c := <-confirms; !c.Ack {
					b.Fatal("nack")
				}
			}
		}
	})
	b.Run("unimq", func(b *testing.B) {
		_, adm := rawConn(b)
		topic, _ := benchTopic(b, adm)
		c := benchClient(b)
		ctx := context.Background()
		b.SetBytes(benchBody)
		b.ResetTimer()
		for i := 0; i < b.N; i += benchBatch {
			n := min(benchBatch, b.N-i)
			batch := make([]*mq.Message, n)
			for j := range batch {
				batch[j] = &mq.Message{Tag: "a.b", Body: payload}
			}
			must(b, c.PublishBatch(ctx, topic, batch))
		}
	})
}

// Consume: b.N messages waiting in the queue, consumed with manual acks and
// a prefetch of benchPrefetch.

func fill(b *testing.B, conn *amqp.Connection, topic string, n int) {
	b.Helper()
	ch, err := conn.Channel()
	must(b, err)
	defer ch.Close()
	must(b, ch.Confirm(false))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, n+1))
	for i := 0; i < n; i++ {
		must(b, ch.Publish(topic, "a.b", true, false, rawPublishing()))
	}
	for i := 0; i < n; i++ {
		<-confirms
	}
}

// BenchmarkConsume: each round, n messages are put in a new queue (not
// timed, benchtest.Setup), then consumed with manual acks and prefetch 64:
// raw Consume + Ack per delivery vs unimq Subscribe with Concurrency(64)
// and a handler returning nil; rounds alternate (benchtest.Alternate).
func BenchmarkConsume(b *testing.B) {
	consumeBench(b, benchPrefetch, pushRound(mq.Group("g"), mq.Concurrency(benchPrefetch)))
}

// BenchmarkConsumeDefault is BenchmarkConsume with unimq's default
// options (Concurrency 8, the prefetch it negotiates: defaultPrefetch) and
// the raw loop at the same prefetch.
func BenchmarkConsumeDefault(b *testing.B) {
	consumeBench(b, defaultPrefetch, pushRound(mq.Group("g")))
}

// pushRound is a unimq round of consumeBench: Subscribe with opts and a
// handler returning nil, until n messages were handled.
func pushRound(opts ...mq.Option) func(c *mq.Client, topic string, n int) error {
	return func(c *mq.Client, topic string, n int) error {
		var got atomic.Int64
		done := make(chan struct{})
		s, err := c.Subscribe(context.Background(), topic, func(ctx context.Context, m *mq.Message) error {
			if got.Add(1) == int64(n) {
				close(done)
			}
			return nil
		}, opts...)
		if err != nil {
			return err
		}
		<-done
		return s.Close(context.Background())
	}
}

// BenchmarkConsumePull is BenchmarkConsume with unimq's pull consumer:
// NewConsumer, Receive up to 64, Ack each.
func BenchmarkConsumePull(b *testing.B) {
	consumeBench(b, benchPrefetch, func(c *mq.Client, topic string, n int) error {
		ctx := context.Background()
		k, err := c.NewConsumer(ctx, topic, mq.Group("g"), mq.Prefetch(benchPrefetch))
		if err != nil {
			return err
		}
		for got := 0; got < n; {
			ms, err := k.Receive(ctx, benchPrefetch, 0)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if err := m.Ack(ctx); err != nil {
					return err
				}
			}
			got += len(ms)
		}
		return k.Close(ctx)
	})
}

// consumeBench alternates rounds of rawConsume and unimq, each on a queue
// of n messages filled outside the measurement.
func consumeBench(b *testing.B, rawPrefetch int, unimq func(c *mq.Client, topic string, n int) error) {
	conn, adm := rawConn(b)
	c := benchClient(b)
	queueOf := func(n int) (topic, queue string, err error) {
		err = benchtest.Setup(func() error {
			topic, queue = benchTopic(b, adm)
			fill(b, conn, topic, n)
			return nil
		})
		return topic, queue, err
	}
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		_, queue, err := queueOf(n)
		if err != nil {
			return 0, err
		}
		return benchtest.Timed(func() error { return rawConsume(conn, queue, n, rawPrefetch) })
	}, func(n int) (time.Duration, error) {
		topic, _, err := queueOf(n)
		if err != nil {
			return 0, err
		}
		return benchtest.Timed(func() error { return unimq(c, topic, n) })
	})
}

// rawConsume consumes n messages of queue with prefetch 64, acking each.
func rawConsume(conn *amqp.Connection, queue string, n, prefetch int) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return err
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := (<-ds).Ack(false); err != nil {
			return err
		}
	}
	return nil
}
