package memory_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// Without Declare, a group that starts at Newest misses what was published
// before its first subscriber; after Declare each declared group gets
// everything published since, at its first subscriber's default start.
func TestDeclareKeepsMessagesForGroupsWithoutSubscribers(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)

	pub(t, c, "undeclared", &mq.Message{Body: []byte("lost")})
	k, err := c.NewConsumer(ctx, "undeclared", mq.Group("billing"))
	require.NoError(t, err)
	quiet(t, k, 50*quietUnit)

	require.NoError(t, c.Declare(ctx, "orders", "billing", "audit"))
	require.ElementsMatch(t, []string{"billing", "audit"}, brokerOf(t, c).Groups("orders"))
	pub(t, c, "orders", &mq.Message{Key: "a", Body: []byte("1")}, &mq.Message{Key: "b", Body: []byte("2")})
	require.Equal(t, 2, brokerOf(t, c).Backlog("orders", "billing"))
	for _, g := range []string{"billing", "audit"} {
		k, err := c.NewConsumer(ctx, "orders", mq.Group(g))
		require.NoError(t, err)
		ms := recv(t, k, 2)
		require.ElementsMatch(t, []string{"1", "2"}, bodies(ms), g)
		for _, m := range ms {
			require.NoError(t, m.Ack(ctx))
		}
	}
}

// Declare is idempotent: declaring again leaves a group where it is.
func TestDeclareIsIdempotent(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1"))
	ctx := ctxT(t)
	require.NoError(t, c.Declare(ctx, "orders", "billing"))
	pub(t, c, "orders", &mq.Message{Body: []byte("1")})
	k, err := c.NewConsumer(ctx, "orders", mq.Group("billing"))
	require.NoError(t, err)
	ms := recv(t, k, 1)
	require.NoError(t, ms[0].Ack(ctx))
	require.NoError(t, c.Declare(ctx, "orders", "billing"))
	require.NoError(t, c.Declare(ctx, "orders"))
	pub(t, c, "orders", &mq.Message{Body: []byte("2")})
	require.Equal(t, []string{"2"}, bodies(recv(t, k, 1)), "not replayed, not skipped")
	require.Equal(t, []string{"billing"}, brokerOf(t, c).Groups("orders"))
}

// Declare refuses what Publish and Subscribe refuse.
func TestDeclareRefusals(t *testing.T) {
	c := open(t, uniqueURL(t, "like=kafka"))
	ctx := ctxT(t)
	require.ErrorIs(t, c.Declare(ctx, "bad/name", "g"), mq.ErrInvalidArgument)
	require.ErrorIs(t, c.Declare(ctx, "orders", ""), mq.ErrInvalidArgument)
	require.Empty(t, brokerOf(t, c).Topics(), "nothing created")
	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Declare(ctx, "orders", "g"), mq.ErrClosed)
}
