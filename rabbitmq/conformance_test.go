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

// TestConformance runs the shared suite on the real broker. Clients reach it
// through a TCP proxy so that Restart can take the broker away from them
// (every connection dropped, new ones refused for 3 s) without restarting the
// node under the other packages' tests; TestBrokerRestart does the real
// restart.
func TestConformance(t *testing.T) {
	p, url := newProxy(t, brokertest.AMQPURL(t))
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) {
			return mq.Open(ctx, url)
		},
		OpenWith: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		Restart: func(ctx context.Context, t testing.TB) error {
			p.cut(3 * time.Second)
			return nil
		},
		Wait:             15 * time.Second,
		Quiet:            500 * time.Millisecond,
		DelayTolerance:   2 * time.Second,
		IgnoreGoroutines: leakOpts,
	})
}
