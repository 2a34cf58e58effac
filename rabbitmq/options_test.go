package rabbitmq_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

// rabbitmq's options are mq.Options refused outside their scope, before any
// broker is asked, and ignored by other backends within it.
func TestOptionsAreScoped(t *testing.T) {
	ctx := context.Background()
	_, err := mq.Open(ctx, "amqp://127.0.0.1:1/", rabbitmq.WithTransient())
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "rabbitmq.WithTransient applies to Publish, not Open") {
		t.Fatalf("WithTransient at Open: %v", err)
	}
	c, err := mq.Open(ctx, memory.Scheme+"://rabbitmq-options", rabbitmq.WithMode(rabbitmq.Fanout),
		rabbitmq.WithTopicMode("t", rabbitmq.Direct))
	if err != nil {
		t.Fatalf("rabbitmq Open options on memory: %v", err)
	}
	defer c.Close(ctx)
	if err := c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, rabbitmq.WithTransient(), rabbitmq.WithMode(rabbitmq.Topic)); err != nil {
		t.Fatalf("rabbitmq Publish options on memory: %v", err)
	}
	err = c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, rabbitmq.WithTLS(nil))
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "rabbitmq.WithTLS applies to Open, not Publish") {
		t.Fatalf("WithTLS at Publish: %v", err)
	}
	k, err := c.NewConsumer(ctx, "t", rabbitmq.WithMode(rabbitmq.Topic))
	if err != nil {
		t.Fatalf("WithMode at NewConsumer: %v", err)
	}
	_ = k.Close(ctx)
}
