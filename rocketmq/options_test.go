package rocketmq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rocketmq"
)

// rocketmq's options are mq.Options refused outside their scope, before any
// broker is asked, and ignored by other backends within it.
func TestOptionsAreScoped(t *testing.T) {
	ctx := context.Background()
	_, err := mq.Open(ctx, "rocketmq://127.0.0.1:1", rocketmq.WithDelayLevel(3))
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "rocketmq.WithDelayLevel applies to Publish, not Open") {
		t.Fatalf("WithDelayLevel at Open: %v", err)
	}
	c, err := mq.Open(ctx, memory.Scheme+"://rocketmq-options", rocketmq.WithCredentials("ak", "sk"),
		rocketmq.WithProducerGroup("pg"), rocketmq.WithExactGroup())
	if err != nil {
		t.Fatalf("rocketmq Open options on memory: %v", err)
	}
	defer c.Close(ctx)
	if err := c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, rocketmq.WithDelayLevel(3)); err != nil {
		t.Fatalf("WithDelayLevel on a memory Publish: %v", err)
	}
	err = c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, rocketmq.WithProducerGroup("pg"))
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "rocketmq.WithProducerGroup applies to Open, not Publish") {
		t.Fatalf("WithProducerGroup at Publish: %v", err)
	}
	_, err = c.Subscribe(ctx, "t", func(context.Context, *mq.Message) error { return nil }, rocketmq.WithDelayLevel(1))
	if !errors.Is(err, mq.ErrInvalidOption) {
		t.Fatalf("WithDelayLevel at Subscribe: %v", err)
	}
	k, err := c.NewConsumer(ctx, "t", rocketmq.WithExactGroup())
	if err != nil {
		t.Fatalf("WithExactGroup at NewConsumer: %v", err)
	}
	_ = k.Close(ctx)
	if _, err := rocketmq.QueryByKey(ctx, c, "t", "k", 1, time.Time{}, time.Now()); !errors.Is(err, mq.ErrUnsupported) {
		t.Fatalf("QueryByKey on a memory client: %v", err)
	}
}
