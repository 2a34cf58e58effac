package rabbitmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	_ "github.com/unimq/unimq/rabbitmq"
)

// TestConformance runs the shared suite on the real broker. Its Reconnect
// test takes the broker away from the clients: normally through a TCP proxy
// that drops every connection and refuses new ones for 3 s (only these
// clients see the outage, so it runs with the other packages' tests); in
// make test's restart phase (UNIMQ_BROKER_RESTARTS=1) by really restarting
// the broker with scripts/brokers.sh.
func TestConformance(t *testing.T) {
	conformance(t, brokertest.AMQPURL(t), brokertest.RestartsAllowed())
}

// TestConformanceQuorum runs the shared suite again with queue_type=quorum:
// every group and topic queue, dead-letter, delay and retry queue the suite
// makes is a quorum queue (broadcast queues stay classic). Its Reconnect
// test always goes through the proxy: the restart phase restarts the
// broker for TestConformance only.
func TestConformanceQuorum(t *testing.T) {
	conformance(t, withParams(brokertest.AMQPURL(t), "queue_type=quorum"), false)
}

func conformance(t *testing.T, url string, restartBroker bool) {
	var restart func(ctx context.Context, t testing.TB) error
	if restartBroker {
		restart = func(ctx context.Context, t testing.TB) error { return brokertest.Restart(ctx, t, "rabbitmq") }
	} else {
		var p *proxy
		p, url = newProxy(t, url)
		restart = func(ctx context.Context, t testing.TB) error {
			p.cut(3 * time.Second)
			return nil
		}
	}
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		Restart:          restart,
		Wait:             15 * time.Second,
		Quiet:            500 * time.Millisecond,
		DelayTolerance:   2 * time.Second,
		IgnoreGoroutines: leakOpts,
	})
}
