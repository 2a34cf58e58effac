package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestFullFailsWhenAGroupNeedsTheOldest(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=3&full=fail"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 3)...)
	err = c.Publish(ctx, "t", &mq.Message{Body: []byte("over")})
	require.ErrorIs(t, err, mq.ErrFull)

	// Settling the oldest makes room for exactly one more.
	got := recv(t, k, 1)
	require.NoError(t, got[0].Ack(ctx))
	pub(t, c, "t", &mq.Message{Body: []byte("fits")})
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{}), mq.ErrFull)

	// A batch that cannot fit in a partition at all is refused whatever happens.
	require.ErrorIs(t, c.PublishBatch(ctx, "t", numbered("b", 4)), mq.ErrFull)
}

func TestFullBlocksUntilRoomOrCtx(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=2"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 2)...)

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, c.Publish(short, "t", &mq.Message{}), mq.ErrTimeout)

	published := make(chan error, 1)
	go func() { published <- c.Publish(ctx, "t", &mq.Message{Body: []byte("waited")}) }()
	b := brokerOf(t, c)
	require.Eventually(t, func() bool { return memory.SpaceWaiters(b, "t") == 1 }, 5*time.Second, time.Millisecond)
	require.Empty(t, published)
	got := recv(t, k, 1)
	require.NoError(t, got[0].Ack(ctx))
	select {
	case err := <-published:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("publish still blocked after an ack made room")
	}
}

func TestBlockedPublishEndsWhenClientCloses(t *testing.T) {
	u := uniqueURL(t, "partitions=1&maxbacklog=1")
	holder := open(t, u)
	ctx := ctxT(t)
	_, err := holder.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, holder, "t", &mq.Message{})
	c, err := mq.Open(ctx, u)
	require.NoError(t, err)
	published := make(chan error, 1)
	go func() { published <- c.Publish(ctx, "t", &mq.Message{}) }()
	b := brokerOf(t, holder)
	require.Eventually(t, func() bool { return memory.SpaceWaiters(b, "t") == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, c.Close(ctx))
	select {
	case err := <-published:
		require.ErrorIs(t, err, mq.ErrClosed)
	case <-ctx.Done():
		t.Fatal("blocked publish survived Close")
	}
}

func TestEvictsWhatNoGroupNeeds(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=3&full=fail"))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	// No group: the log keeps the newest 3.
	pub(t, c, "t", numbered("m", 5)...)
	require.Equal(t, 3, b.Len("t"))
	// A new group from Oldest sees the retained ones.
	k, err := c.NewConsumer(ctx, "t", mq.Group("late"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	require.Equal(t, []string{"m2", "m3", "m4"}, bodies(recv(t, k, 3)))
}

func TestRetentionForANewGroupFromOldest(t *testing.T) {
	c := open(t, uniqueURL(t, "maxbacklog=100"))
	ctx := ctxT(t)
	k1, err := c.NewConsumer(ctx, "t", mq.Group("early"))
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 20)...)
	got := recv(t, k1, 20)
	require.NoError(t, k1.Ack(ctx, got...))
	// Consumed by the only group, still retained for a newcomer.
	k2, err := c.NewConsumer(ctx, "t", mq.Group("newcomer"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	require.ElementsMatch(t, bodies(got), bodies(recv(t, k2, 20)))
}

func TestDeletedGroupReleasesRetention(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=1&full=fail"))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{})
	require.ErrorIs(t, b.DeleteGroup("t", "g"), mq.ErrInvalidArgument)
	require.NoError(t, k.Close(ctx))
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{}), mq.ErrFull, "an idle group still holds retention")
	require.NoError(t, b.DeleteGroup("t", "g"))
	require.ErrorIs(t, b.DeleteGroup("t", "g"), mq.ErrNotFound)
	pub(t, c, "t", &mq.Message{})
}
