package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestDelayNotBeforeAndLongDoesNotHoldShort(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	start := time.Now()
	long := &mq.Message{ID: "long", Delay: time.Hour}
	pub(t, c, "t", long)
	require.Equal(t, int64(-1), long.Offset)
	require.NotEmpty(t, long.BrokerID)
	pub(t, c, "t", &mq.Message{ID: "short", Delay: 60 * time.Millisecond})
	pub(t, c, "t", &mq.Message{ID: "at", DeliverAt: start.Add(30 * time.Millisecond)})
	pub(t, c, "t", &mq.Message{ID: "now"})

	m := recv(t, k, 1)[0]
	require.Equal(t, "now", m.ID)
	m = recv(t, k, 1)[0]
	require.Equal(t, "at", m.ID)
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	m = recv(t, k, 1)[0]
	require.Equal(t, "short", m.ID)
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
	require.False(t, m.PublishTime.Before(start.Add(60*time.Millisecond)), "publish time is when it became visible")
	require.GreaterOrEqual(t, m.Offset, int64(0))
	quiet(t, k, 30*quietUnit)
	require.Equal(t, 3, b.Len("t"), "the long one is not visible yet")
}

func TestDelayedInBatchKeepsOrderOfDueTimes(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	at := time.Now().Add(20 * time.Millisecond)
	ms := numbered("d", 5)
	for _, m := range ms {
		m.DeliverAt = at
	}
	require.NoError(t, c.PublishBatch(ctx, "t", ms))
	require.Equal(t, []string{"d0", "d1", "d2", "d3", "d4"}, bodies(recv(t, k, 5)))
}

func TestDelayedBoundedByRetention(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=2"))
	ctx := ctxT(t)
	for range 2 {
		pub(t, c, "t", &mq.Message{Delay: time.Hour})
	}
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{Delay: time.Hour}), mq.ErrFull)
}
