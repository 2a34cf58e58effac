package rocketmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

// With rocketmq.WithExactGroup the group is the RocketMQ group itself: a second
// topic for it in the same process is refused at once with
// ErrInvalidArgument (RocketMQ would split and drop both topics' messages),
// and the first subscription keeps working.
func TestExactGroupOnASecondTopicIsRefused(t *testing.T) {
	c := openClient(t, rocketmq.WithExactGroup())
	t1, t2 := newTopic(t, c, "exact-a", 4), newTopic(t, c, "exact-b", 4)
	g := mq.Group(mqtest.UniqueName("g-exact"))
	col := mqtest.NewCollector()
	subscribe(t, c, t1, col.Handler("a", nil), g)
	_, err := c.Subscribe(t.Context(), t2, mqtest.NewCollector().Handler("b", nil), g)
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
	require.Contains(t, err.Error(), "already consumes topic")
	ids := publishN(t, c, t1, "exact", 10)
	col.WaitDone(t, wait, ids...)
	col.ExpectExactlyOnce(t, time.Second, ids...)
}

// A member beyond the number of queues joins at once (Subscribe does not
// wait route_wait for a queue it will not get), idles, and takes the queue
// over when the member holding it closes. route_wait is 10 minutes here, so
// before the fix Subscribe ran into the test's deadline.
func TestExtraMemberJoinsAtOnce(t *testing.T) {
	url := withParams(brokerURL(t), "route_wait=10m")
	open := func() *mq.Client {
		c, err := mq.Open(t.Context(), url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close(context.Background()) })
		return c
	}
	c := open()
	topic := newTopic(t, c, "extra", 1)
	g := mq.Group(mqtest.UniqueName("g-extra"))
	col := mqtest.NewCollector()
	first, err := c.Subscribe(t.Context(), topic, col.Handler("first", nil), g)
	require.NoError(t, err)
	for _, label := range []string{"extra1", "extra2"} {
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		start := time.Now()
		_, err := open().Subscribe(ctx, topic, col.Handler(label, nil), g)
		cancel()
		require.NoError(t, err, "%s: Subscribe of a member the allocation gives no queue", label)
		t.Logf("%s joined in %v", label, time.Since(start))
	}
	before := publishN(t, c, topic, "before", 5)
	col.WaitDone(t, wait, before...)
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	require.NoError(t, first.Close(ctx))
	cancel()
	after := publishN(t, c, topic, "after", 5)
	col.WaitDone(t, wait, after...)
	for _, d := range col.Deliveries() {
		if d.Label == "first" {
			continue
		}
		require.Contains(t, after, d.Msg.ID, "an idle member got %s", d.Msg.ID)
	}
}
