package dedup_test

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/dedup"
)

// The broker delivers payment pay-1 twice; the handler charges it once.
func Example() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://dedup-example")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)

	charged := make(chan string, 4)
	charge := func(ctx context.Context, m *mq.Message) error {
		charged <- m.ID
		return nil
	}
	seen := dedup.NewMemoryStore(10_000, 24*time.Hour)
	sub, _ := c.Subscribe(ctx, "payments", charge, mq.Group("ledger"), mq.Ordered(),
		mq.WithMiddleware(dedup.Middleware(seen)))
	defer sub.Close(ctx)

	b.DuplicateNext(1)
	_ = c.Publish(ctx, "payments", &mq.Message{ID: "pay-1", Key: "customer-7"})
	_ = c.Publish(ctx, "payments", &mq.Message{ID: "pay-2", Key: "customer-7"})
	// Ordered: both copies of pay-1 were settled before pay-2 runs.
	fmt.Println("charged", <-charged)
	fmt.Println("charged", <-charged)
	// Output:
	// charged pay-1
	// charged pay-2
}
