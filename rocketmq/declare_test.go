package rocketmq_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/mqtest"
)

// Declare creates the topic and fixes each group's start at Declare's time:
// a message published after Declare and before any subscriber exists
// reaches each group's first subscriber (whose default start is "newest").
func TestDeclareKeepsMessagesForGroups(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("declare")
	g1, g2 := mqtest.UniqueName("g-decl-a"), mqtest.UniqueName("g-decl-b")
	require.NoError(t, c.Declare(t.Context(), topic, g1, g2))
	require.NoError(t, c.Declare(t.Context(), topic, g1, g2), "idempotent")
	m := &mq.Message{ID: mqtest.UniqueName("before-sub"), Body: []byte("published before any subscriber")}
	require.NoError(t, c.Publish(t.Context(), topic, m))
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("a", nil), mq.Group(g1))
	subscribe(t, c, topic, col.Handler("b", nil), mq.Group(g2))
	col.WaitFor(t, wait, "both groups got the message", func(ds []mqtest.Delivery) bool {
		got := map[string]bool{}
		for _, d := range ds {
			if d.Msg.ID == m.ID {
				got[d.Label] = true
			}
		}
		return got["a"] && got["b"]
	})
}

// The RocketMQ topic rule is declared, and Declare refuses a bad name at once.
func TestDeclareTopicRule(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	require.Equal(t, driver.RocketMQTopics, c.Capabilities().Topics)
	err := c.Declare(t.Context(), "has.dot")
	require.True(t, errors.Is(err, mq.ErrInvalidArgument), "%v", err)
}
