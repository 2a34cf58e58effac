package rabbitmq_test

import (
	"context"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed/typedtest"
)

// TestTypedConformance runs the typed layer's suite on the real broker
// (topic mode, the default); a plain amqp091-go consumer checks that the
// content type is the AMQP content-type property.
func TestTypedConformance(t *testing.T) {
	url := brokertest.AMQPURL(t)
	uri := brokertest.AMQPURI(t)
	typedtest.Run(t, typedtest.Harness{
		Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) { return mq.Open(ctx, url) },
		Raw: func(ctx context.Context, t testing.TB, topic string) <-chan typedtest.RawMessage {
			return amqpReader(t, uri, topic)
		},
		Wait:             15 * time.Second,
		Quiet:            500 * time.Millisecond,
		IgnoreGoroutines: leakOpts,
	})
}

// amqpReader binds a private queue of a plain amqp091-go connection to the
// topic's exchange (as unimq's topic mode declares it) and reads it until
// the test ends.
func amqpReader(t testing.TB, uri, topic string) <-chan typedtest.RawMessage {
	conn, err := amqp.Dial(uri)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	fail := func(what string, err error) {
		_ = conn.Close()
		t.Fatalf("%s: %v", what, err)
	}
	ch, err := conn.Channel()
	if err != nil {
		fail("channel", err)
	}
	if err := ch.ExchangeDeclare(topic, "topic", true, false, false, false, nil); err != nil {
		fail("declare exchange", err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		fail("declare queue", err)
	}
	if err := ch.QueueBind(q.Name, "#", topic, false, nil); err != nil {
		fail("bind", err)
	}
	ds, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		fail("consume", err)
	}
	out := make(chan typedtest.RawMessage, 16)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for d := range ds {
			select {
			case out <- typedtest.RawMessage{ContentType: d.ContentType, Body: d.Body}:
			case <-done:
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		_ = conn.Close() // ends ds
		wg.Wait()
	})
	return out
}
