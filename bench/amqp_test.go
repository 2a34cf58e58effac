package bench

// RabbitMQ: unimq with default options against raw amqp091-go and
// watermill-amqp v3, same broker, same settings on every side: durable
// queues, persistent 256-byte messages, publisher confirms, the same
// prefetch, rounds alternating (benchtest.Compare). unimq publishes to its
// topic exchange bound to the group's queue; raw does the same; watermill
// uses its durable queue configuration (the default exchange, one queue per
// topic). Figures and commands: docs/benchmarks-peers.md.

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wamqp "github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	_ "github.com/unimq/unimq/rabbitmq"
)

// amqpPrefetch is the prefetch of every consuming side: what a unimq
// Subscriber holds with default options (Concurrency 8; RabbitMQ declares
// no larger MinPrefetch).
const amqpPrefetch = 8

// wmUUIDHeader is the header watermill's marshaler reads a message's id from.
const wmUUIDHeader = "_watermill_message_uuid"

func amqpRaw(b *testing.B) *amqp.Connection {
	b.Helper()
	conn, err := amqp.Dial(brokertest.AMQPURI(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	return conn
}

func amqpClient(b *testing.B) *mq.Client {
	b.Helper()
	c, err := mq.Open(context.Background(), brokertest.AMQPURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// amqpTopology declares what each side publishes to and consumes from, as
// unimq and watermill would: a topic exchange and the queue "<topic>.g"
// bound with "#" (unimq's group g; raw uses the same), and a durable queue
// named after the topic (watermill's durable queue configuration).
type amqpTopology struct {
	topic, queue string // unimq / raw
	wmQueue      string // watermill
}

func declareTopology(b *testing.B, conn *amqp.Connection) amqpTopology {
	b.Helper()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	t := amqpTopology{topic: mqtest.UniqueName("peers")}
	t.queue, t.wmQueue = t.topic+".g", t.topic+"-wm"
	for _, err := range []error{
		ch.ExchangeDeclare(t.topic, "topic", true, false, false, false, nil),
		declareQueue(ch, t.queue),
		ch.QueueBind(t.queue, "#", t.topic, false, nil),
		declareQueue(ch, t.wmQueue),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() {
		ch, err := conn.Channel()
		if err != nil {
			return
		}
		defer ch.Close()
		_, _ = ch.QueueDelete(t.queue, false, false, false)
		_, _ = ch.QueueDelete(t.wmQueue, false, false, false)
		_ = ch.ExchangeDelete(t.topic, false, false)
	})
	return t
}

func declareQueue(ch *amqp.Channel, name string) error {
	_, err := ch.QueueDeclare(name, true, false, false, false, nil)
	return err
}

func watermillConfig(b *testing.B) wamqp.Config {
	cfg := wamqp.NewDurableQueueConfig(brokertest.AMQPURI(b))
	cfg.Publish.ConfirmDelivery = true
	cfg.Publish.ChannelPoolSize = 16
	cfg.Consume.Qos.PrefetchCount = amqpPrefetch
	return cfg
}

// BenchmarkRabbitMQPublish: 16 goroutines, each publishing one persistent
// message at a time and waiting for its confirm: raw (a confirm-mode
// channel per goroutine, mandatory, a deferred confirmation per message),
// unimq Publish, watermill Publisher.Publish (confirms on, a pool of 16
// channels: without it watermill opens a channel per message).
func BenchmarkRabbitMQPublish(b *testing.B) {
	const conc = 16
	ctx := context.Background()
	conn := amqpRaw(b)
	top := declareTopology(b, conn)
	c := amqpClient(b)
	chans := make(chan *amqp.Channel, conc)
	for i := 0; i < conc; i++ {
		ch, err := conn.Channel()
		if err == nil {
			err = ch.Confirm(false)
		}
		if err != nil {
			b.Fatal(err)
		}
		chans <- ch
	}
	wp, err := wamqp.NewPublisher(watermillConfig(b), watermill.NopLogger{})
	if err != nil {
		b.Fatal(err)
	}
	defer wp.Close()
	sends := []benchtest.Side{
		{Name: "raw", Run: parallel(conc, func() error {
			ch := <-chans
			defer func() { chans <- ch }()
			dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, top.topic, "a.b", true, false,
				amqp.Publishing{Body: body, DeliveryMode: amqp.Persistent, MessageId: "m", Timestamp: time.Now()})
			if err != nil {
				return err
			}
			if _, err := dc.WaitContext(ctx); err != nil {
				return err
			}
			return nil
		})},
		{Name: "unimq", Run: parallel(conc, func() error {
			return c.Publish(ctx, top.topic, &mq.Message{Tag: "a.b", Body: body})
		})},
		{Name: "watermill", Run: parallel(conc, func() error {
			return wp.Publish(top.wmQueue, message.NewMessage(watermill.NewUUID(), body))
		})},
	}
	for _, s := range sends {
		if _, err := s.Run(1); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	benchtest.Compare(b, "unimq", sends...)
}

// BenchmarkRabbitMQConsume: each round, n messages waiting in a new queue
// (put there beforehand, not timed) are consumed with manual acks and the
// same prefetch: raw Consume + Ack per delivery, unimq Subscribe with
// default options (a handler returning nil), watermill's Subscriber
// (acking each message).
func BenchmarkRabbitMQConsume(b *testing.B) {
	conn := amqpRaw(b)
	c := amqpClient(b)
	fill := func(n int) (top amqpTopology, err error) {
		err = benchtest.Setup(func() error {
			top = declareTopology(b, conn)
			return amqpFill(conn, top, n)
		})
		return top, err
	}
	b.ResetTimer()
	benchtest.Compare(b, "unimq",
		benchtest.Side{Name: "raw", Run: func(n int) (time.Duration, error) {
			top, err := fill(n)
			if err != nil {
				return 0, err
			}
			return rawAMQPConsume(conn, top.queue, n)
		}},
		benchtest.Side{Name: "unimq", Run: func(n int) (time.Duration, error) {
			top, err := fill(n)
			if err != nil {
				return 0, err
			}
			w := newWindow(n)
			s, err := c.Subscribe(context.Background(), top.topic, func(ctx context.Context, m *mq.Message) error {
				w.add()
				return nil
			}, mq.Group("g"))
			if err != nil {
				return 0, err
			}
			defer s.Close(context.Background())
			return w.wait()
		}},
		benchtest.Side{Name: "watermill", Run: func(n int) (time.Duration, error) {
			top, err := fill(n)
			if err != nil {
				return 0, err
			}
			sub, err := wamqp.NewSubscriber(watermillConfig(b), watermill.NopLogger{})
			if err != nil {
				return 0, err
			}
			defer sub.Close()
			msgs, err := sub.Subscribe(context.Background(), top.wmQueue)
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

// amqpFill puts n persistent messages in each side's queue (through the
// topic exchange for unimq/raw, the default exchange for watermill), with
// the id header watermill's marshaler expects, and waits for the confirms.
func amqpFill(conn *amqp.Connection, top amqpTopology, n int) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		return err
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 2*n+1))
	for i := 0; i < n; i++ {
		id := watermill.NewUUID()
		p := amqp.Publishing{Body: body, DeliveryMode: amqp.Persistent, MessageId: id, Timestamp: time.Now(),
			Headers: amqp.Table{wmUUIDHeader: id}}
		if err := ch.Publish(top.topic, "a.b", true, false, p); err != nil {
			return err
		}
		if err := ch.Publish("", top.wmQueue, true, false, p); err != nil {
			return err
		}
	}
	for i := 0; i < 2*n; i++ {
		if c := <-confirms; !c.Ack {
			return errNacked
		}
	}
	return nil
}

// rawAMQPConsume consumes n messages of queue acking each, timed from the
// first delivery to the last.
func rawAMQPConsume(conn *amqp.Connection, queue string, n int) (time.Duration, error) {
	ch, err := conn.Channel()
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	if err := ch.Qos(amqpPrefetch, 0, false); err != nil {
		return 0, err
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return 0, err
	}
	w := newWindow(n)
	for i := 0; i < n; i++ {
		if err := (<-ds).Ack(false); err != nil {
			return 0, err
		}
		w.add()
	}
	return w.wait()
}
