package typedtest

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

// Harness tells the suite how to reach the backend under test.
type Harness struct {
	// Open returns a new client of the backend; the suite closes it.
	Open func(ctx context.Context, t testing.TB) (*mq.Client, error)

	// NewTopic returns a topic no other test uses, ready for use. Nil: a
	// unique name, relying on auto-creation.
	NewTopic func(ctx context.Context, t testing.TB) string

	// Raw starts a plain client of the broker (its own Go client, no unimq
	// code) that reads the messages published to topic from now on and
	// sends each on the returned channel; it stops in t.Cleanup. Nil (the
	// memory backend, which has no other client): the round trips check
	// the content type on the received mq.Message only.
	Raw func(ctx context.Context, t testing.TB, topic string) <-chan RawMessage

	// Wait bounds each wait for an expected delivery. Default 15s.
	Wait time.Duration
	// Quiet is how long the suite watches for a delivery that must not
	// happen. Default 500ms.
	Quiet time.Duration

	// IgnoreGoroutines lists a client library's process-wide goroutines
	// for the leak check at the end of Run.
	IgnoreGoroutines []goleak.Option
}

// RawMessage is a message as the broker's own client read it.
type RawMessage struct {
	ContentType string // AMQP content-type property, Kafka header, RocketMQ property
	Body        []byte
}

func (h Harness) withDefaults() Harness {
	if h.Wait <= 0 {
		h.Wait = 15 * time.Second
	}
	if h.Quiet <= 0 {
		h.Quiet = 500 * time.Millisecond
	}
	return h
}
