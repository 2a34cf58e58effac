package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestPingFollowsTheBrokersAvailability(t *testing.T) {
	ctx := ctxT(t)
	c := open(t, uniqueURL(t, ""))
	b := brokerOf(t, c)
	require.NoError(t, c.Ping(ctx))

	// Counted by body: going down drops connections, so "before" may be
	// delivered again if its ack had not reached the broker (at-least-once).
	var got, after atomic.Int64
	sub, err := c.Subscribe(ctx, "t", func(_ context.Context, m *mq.Message) error {
		got.Add(1)
		if string(m.Body) == "after" {
			after.Add(1)
		}
		return nil
	},
		mq.Group("g"), mq.WithBackoff(mq.ConstantBackoff(5*time.Millisecond)))
	require.NoError(t, err)
	defer sub.Close(ctx)
	pub(t, c, "t", &mq.Message{Body: []byte("before")})
	require.Eventually(t, func() bool { return got.Load() >= 1 }, 10*time.Second, time.Millisecond)

	b.SetUnavailable(true)
	b.SetUnavailable(true) // idempotent
	err = c.Ping(ctx)
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.Contains(t, err.Error(), "ping")
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{}), mq.ErrUnavailable)
	require.ErrorIs(t, c.PublishFuture(ctx, "t", &mq.Message{}).Wait(ctx), mq.ErrUnavailable)
	require.Equal(t, 1, b.Len("t"), "nothing stored while down")

	// A pull consumer cannot receive while the broker is down.
	k, err := c.NewConsumer(ctx, "t", mq.Group("pull"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	defer k.Close(ctx)
	_, err = k.Receive(ctx, 1, time.Second)
	require.ErrorIs(t, err, mq.ErrUnavailable)

	b.SetUnavailable(false)
	require.NoError(t, c.Ping(ctx))
	pub(t, c, "t", &mq.Message{Body: []byte("after")})
	require.Eventually(t, func() bool { return after.Load() >= 1 }, 10*time.Second, time.Millisecond,
		"the subscriber resumes once the broker is back")
	require.Len(t, recv(t, k, 2), 2)

	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Ping(ctx), mq.ErrClosed)
}

func TestPingHonoursContext(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, c.Ping(ctx), mq.ErrCanceled)
}

// SetUnavailable tests what a service does while its broker is down: its
// readiness probe (Client.Ping) fails until the broker is back.
func ExampleBroker_SetUnavailable() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://example-unavailable")
	defer c.Close(ctx)
	var b *memory.Broker
	c.As(&b)

	b.SetUnavailable(true)
	fmt.Println(errors.Is(c.Ping(ctx), mq.ErrUnavailable))
	fmt.Println(errors.Is(c.Publish(ctx, "orders", &mq.Message{}), mq.ErrUnavailable))
	b.SetUnavailable(false)
	fmt.Println(c.Ping(ctx))
	// Output:
	// true
	// true
	// <nil>
}
