package rabbitmq_test

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// deadAddr returns a 127.0.0.1 address nothing listens on (connection refused).
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// withHosts returns the broker URL with its host replaced by hosts, comma separated.
func withHosts(t *testing.T, raw string, hosts ...string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Host = strings.Join(hosts, ",")
	return u.String()
}

func brokerHost(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(brokertest.AMQPURL(t))
	require.NoError(t, err)
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5672")
	}
	return u.Host
}

// A multi-node URL whose first node refuses connections opens on the next
// and works.
func TestMultiNodeURLSkipsADeadNode(t *testing.T) {
	raw := withHosts(t, brokertest.AMQPURL(t), deadAddr(t), brokerHost(t))
	c := openURL(t, raw)
	topic := unique("nodes")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	publish(t, c, topic, msg("m1", "", "x"))
	col.WaitDone(t, wait, "m1")
}

// When every node fails, Open says so with the last node's address and
// never the password.
func TestMultiNodeURLAllDead(t *testing.T) {
	raw := withHosts(t, "amqp://u:s3cret-pw@127.0.0.1/?connect_timeout=2s", deadAddr(t), deadAddr(t))
	_, err := mq.Open(ctxT(t), raw)
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.NotContains(t, err.Error(), "s3cret-pw")
	require.Contains(t, err.Error(), "node 2 of 2")
}

// A client connected to the first node of its list moves to the second
// when the first is gone for good: the reconnect path rotates, publishers
// and subscribers go on.
func TestMultiNodeReconnectMovesToALiveNode(t *testing.T) {
	p1, _ := newProxy(t, brokertest.AMQPURL(t))
	p2, _ := newProxy(t, brokertest.AMQPURL(t))
	raw := withHosts(t, brokertest.AMQPURL(t), p1.ln.Addr().String(), p2.ln.Addr().String())
	c := openURL(t, raw)
	topic := unique("nodes-move")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	publish(t, c, topic, msg("before", "", "x"))
	col.WaitDone(t, wait, "before")
	require.Equal(t, 2, p1.relayed(), "publishing and consuming connections on the first node")
	require.Equal(t, 0, p2.relayed())

	p1.cut(time.Hour) // the first node is gone for the rest of the test
	// A publish waits (bounded by its ctx) for the publishing connection,
	// which the supervisor reopens on the second node; one caught by the
	// loss itself fails with ErrUnavailable, and is sent again.
	deadline := time.Now().Add(wait)
	for {
		err := c.Publish(ctxT(t), topic, msg("after", "", "y"))
		if err == nil {
			break
		}
		require.ErrorIs(t, err, mq.ErrUnavailable)
		require.True(t, time.Now().Before(deadline), "no publish after the first node went: %v", err)
	}
	col.WaitDone(t, wait, "after")
	require.Equal(t, 2, p2.relayed(), "both connections moved to the second node")
	require.Eventually(t, func() bool { return p1.relayed() == 0 }, wait, 10*time.Millisecond)
}

// TestStreamMovesToTheNextNode: the stream of TestStreamSurvivesOutage, on a
// quorum queue, through a two-node URL (two proxies in front of the
// broker) whose first node goes away for good after 30%: both clients move
// to the second node, no confirmed message is lost.
func TestStreamMovesToTheNextNode(t *testing.T) {
	p1, _ := newProxy(t, brokertest.AMQPURL(t))
	p2, _ := newProxy(t, brokertest.AMQPURL(t))
	raw := withParams(withHosts(t, brokertest.AMQPURL(t), p1.ln.Addr().String(), p2.ln.Addr().String()), "queue_type=quorum")
	stream(t, raw, 5_000, func() { p1.cut(time.Hour) })
	require.Eventually(t, func() bool { return p1.relayed() == 0 }, wait, 10*time.Millisecond)
	require.Equal(t, 4, p2.relayed(), "two clients, two connections each, on the second node")
}
