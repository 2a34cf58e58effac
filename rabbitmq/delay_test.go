package rabbitmq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// A long delay published first must not hold up a short one published after
// it: each delay has a queue of its own (per-message TTLs would expire only
// at the head of one shared queue).
func TestDelayLongDoesNotHoldUpShort(t *testing.T) {
	c := open(t, "")
	topic := unique("delay")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	start := time.Now()
	publish(t, c, topic, &mq.Message{ID: "long", Tag: "t", Body: []byte("l"), Delay: 3 * time.Second})
	publish(t, c, topic, &mq.Message{ID: "short", Tag: "t", Body: []byte("s"), Delay: 200 * time.Millisecond})
	col.WaitDone(t, wait, "short")
	shortAt := col.Of("short")[0].Start.Sub(start)
	require.GreaterOrEqual(t, shortAt, 200*time.Millisecond)
	require.Less(t, shortAt, 2*time.Second, "the short delay waited behind the long one")
	require.Empty(t, col.Of("long"))
	col.WaitDone(t, wait, "long")
	longAt := col.Of("long")[0].Start.Sub(start)
	require.GreaterOrEqual(t, longAt, 3*time.Second)
	d := col.Of("long")[0].Msg
	require.Equal(t, "t", d.Tag, "the routing key survives the delay queue")
	require.Nil(t, d.Headers, "no broker bookkeeping headers leak to the application")
}

// A nack goes back to the failing group's queue only: the other group got
// the message once and never sees the retry.
func TestNackRetriesOnlyTheFailingGroup(t *testing.T) {
	c := open(t, "")
	topic := unique("retry")
	failing, other := mqtest.NewCollector(), mqtest.NewCollector()
	subscribe(t, c, topic, failing.Handler("failing", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt < 3 {
			return errors.New("not yet")
		}
		return nil
	}), mq.Group("failing"), mq.WithBackoff(mq.ConstantBackoff(100*time.Millisecond)))
	subscribe(t, c, topic, other.Handler("other", nil), mq.Group("other"))
	publish(t, c, topic, &mq.Message{ID: "m", Tag: "a.b", Key: "k", Body: []byte("x"), Headers: map[string]string{"h": "v"}})
	failing.WaitDone(t, wait, "m")
	require.Equal(t, []int{1, 2, 3}, failing.Attempts("m"))
	last := failing.Of("m")[2].Msg
	require.Equal(t, "a.b", last.Tag)
	require.Equal(t, "k", last.Key)
	require.Equal(t, map[string]string{"h": "v"}, last.Headers)
	exactlyOnce(t, other, "m")
}

// Publishing to a topic in an exchange mode before anyone subscribed is
// reported, not lost silently.
func TestUnroutable(t *testing.T) {
	c := open(t, "")
	topic := unique("unroutable")
	err := c.Publish(ctxT(t), topic, msg("m", "a", "x"))
	require.ErrorIs(t, err, mq.ErrUnroutable)

	var got error
	done := make(chan struct{})
	require.NoError(t, c.PublishAsync(ctxT(t), topic, msg("m2", "a", "x"), func(_ *mq.Message, err error) {
		got = err
		close(done)
	}))
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("no callback")
	}
	require.ErrorIs(t, got, mq.ErrUnroutable)
	// A batch reports it too; the routed messages of the batch are stored.
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.TagFilter("a"))
	err = c.PublishBatch(ctxT(t), topic, []*mq.Message{msg("b1", "a", "1"), msg("b2", "zzz", "2"), msg("b3", "a", "3")})
	require.ErrorIs(t, err, mq.ErrUnroutable)
	col.WaitDone(t, wait, "b1", "b3")
}
