package mq_test

import (
	"context"
	"fmt"

	"github.com/unimq/unimq/mq"
)

// The consumer lag of a group: what was published for it and not yet
// acknowledged.
func ExampleClient_Backlog() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-backlog")
	defer c.Close(ctx)
	_ = c.Declare(ctx, "orders", "billing") // the group keeps what is published from now on
	for i := 0; i < 3; i++ {
		_ = c.Publish(ctx, "orders", &mq.Message{Body: []byte("{}")})
	}
	n, err := c.Backlog(ctx, "orders", "billing")
	fmt.Println(n, err)
	// Output: 3 <nil>
}
