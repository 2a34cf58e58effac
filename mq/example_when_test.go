package mq_test

import (
	"context"
	"fmt"
	"os"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// A hook installed only where an environment variable asks for it: a
// client opened without it runs no hook code at all.
func ExampleWhen() {
	ctx := context.Background()
	audit := func() bool { return os.Getenv("EXAMPLE_WHEN_AUDIT") == "1" }
	hook := mq.WithHook(func(_ context.Context, e mq.Event) { fmt.Println("audit:", e.Kind, e.Topic) })

	os.Setenv("EXAMPLE_WHEN_AUDIT", "1")
	on, _ := mq.Open(ctx, "memory://example-when-on", mq.When(audit, hook))
	defer on.Close(ctx)
	os.Unsetenv("EXAMPLE_WHEN_AUDIT")
	off, _ := mq.Open(ctx, "memory://example-when-off", mq.When(audit, hook))
	defer off.Close(ctx)

	_ = on.Publish(ctx, "orders", &mq.Message{Body: []byte("a")})
	_ = off.Publish(ctx, "orders", &mq.Message{Body: []byte("b")})
	// Output:
	// audit: published orders
}
