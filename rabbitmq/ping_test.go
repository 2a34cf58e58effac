package rabbitmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
)

// heal lets the proxy accept connections again after cut.
func (p *proxy) heal() {
	p.mu.Lock()
	p.until = time.Time{}
	p.mu.Unlock()
}

// TestPingFollowsTheConnection: Ping answers through a live connection,
// fails promptly (well within its ctx) with mq.ErrUnavailable while the
// broker is unreachable, and answers again once the client reconnected.
func TestPingFollowsTheConnection(t *testing.T) {
	p, url := newProxy(t, brokertest.AMQPURL(t))
	c := openURL(t, url)
	ctx := ctxT(t)
	require.NoError(t, c.Ping(ctx))

	p.cut(time.Hour)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	start := time.Now()
	err := c.Ping(pctx)
	cancel()
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.Less(t, time.Since(start), 5*time.Second, "fails before its ctx ends")
	t.Logf("ping while down: %v after %v", err, time.Since(start))

	p.heal()
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return c.Ping(pctx) == nil
	}, 20*time.Second, 20*time.Millisecond, "ping answers again after the reconnection")

	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Ping(ctx), mq.ErrClosed)
}
