package memory_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestConformanceLike runs the shared suite on brokers created with like=:
// what each profile declares, memory does, and what it lacks the suite
// sees refused (it checks Capabilities before each feature).
func TestConformanceLike(t *testing.T) {
	if testing.Short() {
		t.Skip("the shared suite three more times")
	}
	for _, like := range []memory.Like{memory.LikeKafka, memory.LikeRabbitMQ, memory.LikeRocketMQ} {
		t.Run(string(like), func(t *testing.T) {
			name := "conformance-" + string(like)
			b, err := memory.NewBroker(name, memory.Config{Like: like})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			url := "memory://" + name + "?txcheck=50ms"
			h := mqtest.Harness{
				Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
					return mq.Open(ctx, url, opts...)
				},
				Restart: func(ctx context.Context, t testing.TB) error {
					b.DropConnections()
					return nil
				},
			}
			if like == memory.LikeRabbitMQ {
				// As on RabbitMQ, a topic is routable once a group's queue
				// is bound: the harness declares one that takes every tag.
				var n atomic.Int64
				h.NewTopic = func(ctx context.Context, t testing.TB) string {
					topic := "unimq-test-" + strconv.FormatInt(n.Add(1), 10)
					c, err := mq.Open(ctx, url)
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close(ctx)
					if err := c.Declare(ctx, topic, "routable"); err != nil {
						t.Fatal(err)
					}
					return topic
				}
			}
			mqtest.Run(t, h)
		})
	}
}
