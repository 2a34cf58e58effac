package brokertest

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// Subscribe subscribes h to topic on c (within 2 minutes: a broker may be
// slow to assign a new group its partitions or queues), fails t when that
// fails, and closes the subscriber when t ends (within 30 s).
func Subscribe(t testing.TB, c *mq.Client, topic string, h mq.Handler, opts ...mq.Option) *mq.Subscriber {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := c.Subscribe(ctx, topic, h, opts...)
	if err != nil {
		t.Fatalf("subscribe %s: %v", topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}
