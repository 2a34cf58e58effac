package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// A unit test opens a named broker, publishes and consumes as it would on
// Kafka or RocketMQ.
func Example() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example")
	defer c.Close(ctx)

	k, _ := c.NewConsumer(ctx, "orders", mq.Group("billing"))
	_ = c.Publish(ctx, "orders", &mq.Message{Key: "order-1", Tag: "created", Body: []byte("hello")})

	ms, _ := k.Receive(ctx, 10, time.Second)
	m := ms[0]
	fmt.Println(string(m.Body), m.Tag, m.Attempt)
	_ = m.Ack(ctx)
	// Output: hello created 1
}

// FailNextPublishes tests how a service handles a broker refusing
// messages.
func ExampleBroker_FailNextPublishes() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-fail")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)

	b.FailNextPublishes(1, nil)
	err := c.Publish(ctx, "orders", &mq.Message{Body: []byte("1")})
	fmt.Println(errors.Is(err, mq.ErrUnavailable))
	err = c.Publish(ctx, "orders", &mq.Message{Body: []byte("2")})
	fmt.Println(err, b.Len("orders"))
	// Output:
	// true
	// <nil> 1
}

// DropConnections simulates a lost connection: what was in flight comes
// again with the next attempt number.
func ExampleBroker_DropConnections() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-drop")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)
	k, _ := c.NewConsumer(ctx, "orders", mq.Group("billing"))
	_ = c.Publish(ctx, "orders", &mq.Message{ID: "o-1"})
	ms, _ := k.Receive(ctx, 1, time.Second)

	b.DropConnections()
	fmt.Println(errors.Is(ms[0].Ack(ctx), mq.ErrUnavailable))
	_, err := k.Receive(ctx, 1, time.Second)
	fmt.Println(errors.Is(err, mq.ErrUnavailable))
	ms, _ = k.Receive(ctx, 1, time.Second)
	fmt.Println(ms[0].ID, ms[0].Attempt)
	// Output:
	// true
	// true
	// o-1 2
}

// DuplicateNext checks that a handler is idempotent.
func ExampleBroker_DuplicateNext() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-dup")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)
	k, _ := c.NewConsumer(ctx, "payments", mq.Group("ledger"))

	b.DuplicateNext(1)
	_ = c.Publish(ctx, "payments", &mq.Message{ID: "pay-1"})
	ms, _ := k.Receive(ctx, 10, time.Second)
	for _, m := range ms {
		fmt.Println(m.ID)
		_ = m.Ack(ctx)
	}
	// Output:
	// pay-1
	// pay-1
}

// Messages reads a dead-letter topic without consuming it.
func ExampleBroker_Messages() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-dlq")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)
	k, _ := c.NewConsumer(ctx, "orders", mq.Group("billing"), mq.MaxAttempts(1))
	_ = c.Publish(ctx, "orders", &mq.Message{ID: "bad"})
	ms, _ := k.Receive(ctx, 1, time.Second)
	_ = ms[0].Nack(ctx, errors.New("cannot parse"))

	for _, d := range b.Messages(memory.DeadLetterTopic("orders", "billing")) {
		fmt.Println(d.ID, d.Header("unimq-dead-reason"))
	}
	// Output: bad cannot parse
}

// NewBroker keeps a broker (and its data) alive while clients come and go,
// as a real broker would.
func ExampleNewBroker() {
	ctx := context.Background()
	b, _ := memory.NewBroker("example-held", memory.Config{Partitions: 1})
	defer b.Close()

	c1, _ := mq.Open(ctx, "memory://example-held")
	_ = c1.Publish(ctx, "audit", &mq.Message{Body: []byte("kept")})
	_ = c1.Close(ctx)

	c2, _ := mq.Open(ctx, "memory://example-held")
	defer c2.Close(ctx)
	k, _ := c2.NewConsumer(ctx, "audit", mq.Group("late"), mq.StartFrom(mq.Oldest))
	ms, _ := k.Receive(ctx, 10, time.Second)
	fmt.Println(string(ms[0].Body), b.Topics())
	// Output: kept [audit]
}

// Declare creates a topic's groups before any subscriber exists, so a
// service can publish during its first deploy, before its workers start,
// and lose nothing.
func Example_declare() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-declare")
	defer c.Close(ctx)

	_ = c.Declare(ctx, "orders", "billing")
	_ = c.Publish(ctx, "orders", &mq.Message{Key: "order-1", Body: []byte("before any worker")})

	// The billing worker starts later, at the default start (newest).
	k, _ := c.NewConsumer(ctx, "orders", mq.Group("billing"))
	ms, _ := k.Receive(ctx, 10, time.Second)
	fmt.Println(len(ms), string(ms[0].Body))
	_ = ms[0].Ack(ctx)
	// Output: 1 before any worker
}

// like= makes a unit test fail where production on that broker would: here
// Kafka, which has no delayed delivery, takes messages up to its broker's
// default 1,000,000 bytes and topic names of letters, digits, '.', '_' and
// '-'.
func Example_like() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-like?like=kafka")
	defer c.Close(ctx)

	err := c.Publish(ctx, "orders", &mq.Message{Body: []byte("later"), Delay: time.Minute})
	fmt.Println(errors.Is(err, mq.ErrUnsupported))
	err = c.Publish(ctx, "orders", &mq.Message{Body: make([]byte, 1_000_001)})
	fmt.Println(errors.Is(err, mq.ErrTooLarge))
	err = c.Publish(ctx, "orders/eu", &mq.Message{Body: []byte("x")})
	fmt.Println(errors.Is(err, mq.ErrInvalidArgument))
	fmt.Println(c.Publish(ctx, "orders.eu", &mq.Message{Body: []byte("x")}))
	// Output:
	// true
	// true
	// true
	// <nil>
}
