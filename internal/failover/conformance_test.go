package failover

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestRabbitMQClusterConformance runs the shared suite against the RabbitMQ cluster, every
// client on the three-node URL with quorum queues. Reconnect is a node kill: Restart SIGKILLs
// rabbitmq-1 (the node every client dials first), the clients move to rabbitmq-2, and the node
// is started again before the suite goes on. Not parallel: the suite checks for leaked
// goroutines at its end.
func TestRabbitMQClusterConformance(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	exclusive(t, "rabbitmq-cluster")
	url := rabbitmqClusterURL + "?queue_type=quorum"
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		Restart: func(_ context.Context, t testing.TB) error {
			node(t, "kill", "rabbitmq-1")
			node(t, "restart", "rabbitmq-1")
			return nil
		},
		Wait:             15 * time.Second,
		Quiet:            500 * time.Millisecond,
		DelayTolerance:   2 * time.Second,
		IgnoreGoroutines: []goleak.Option{goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run")},
	})
}
