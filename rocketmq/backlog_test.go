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

// Backlog counts what a declared group has not committed: the messages
// published after Declare, then 0 once a subscriber of the group handled
// them (its offsets reach the broker soon after).
func TestBacklog(t *testing.T) {
	c := openClient(t)
	topic := newTopic(t, c, "backlog", 4)
	g := mqtest.UniqueName("g-backlog")
	require.NoError(t, c.Declare(t.Context(), topic, g))
	n, err := rocketmq.Backlog(t.Context(), c, topic, g)
	require.NoError(t, err)
	require.Zero(t, n)
	ids := publishN(t, c, topic, "bl", 12)
	n, err = rocketmq.Backlog(t.Context(), c, topic, g)
	require.NoError(t, err)
	require.EqualValues(t, len(ids), n, "every published message is in the declared group's backlog")

	col := mqtest.NewCollector()
	subscribe(t, openClient(t), topic, col.Handler("s", nil), mq.Group(g))
	col.WaitDone(t, wait, ids...)
	require.Eventually(t, func() bool {
		n, err := rocketmq.Backlog(t.Context(), c, topic, g)
		return err == nil && n == 0
	}, wait, 20*time.Millisecond, "the backlog drains once the group committed")

	other, err := mq.Open(t.Context(), "memory://rocketmq-backlog")
	require.NoError(t, err)
	defer other.Close(context.Background())
	_, err = rocketmq.Backlog(t.Context(), other, topic, g)
	require.ErrorIs(t, err, mq.ErrUnsupported)
}
