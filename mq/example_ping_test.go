package mq_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// A readiness probe pings the broker; on memory a test can make the broker
// unavailable.
func ExampleClient_Ping() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-ping")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)

	fmt.Println(c.Ping(ctx))
	b.SetUnavailable(true)
	err := c.Ping(ctx)
	fmt.Println(errors.Is(err, mq.ErrUnavailable))
	b.SetUnavailable(false)
	fmt.Println(c.Ping(ctx))
	// Output:
	// <nil>
	// true
	// <nil>
}
