package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestBrokerLivesWhileHeld(t *testing.T) {
	ctx := ctxT(t)
	name := fmt.Sprintf("life-%d", time.Now().UnixNano())
	c1, err := mq.Open(ctx, "memory://"+name+"?txcheck=1h")
	require.NoError(t, err)
	c2, err := mq.Open(ctx, "memory://"+name)
	require.NoError(t, err)
	b := memory.Lookup(name)
	require.NotNil(t, b)
	pub(t, c1, "t", &mq.Message{Delay: time.Hour}, &mq.Message{})
	require.NoError(t, c1.PublishTx(ctx, "t", numbered("x", 1), func(context.Context) error { return nil }))
	require.NoError(t, c1.Close(ctx))
	require.Same(t, b, memory.Lookup(name), "still held by c2")
	require.Equal(t, []string{"t"}, b.Topics())
	require.NoError(t, c2.Close(ctx))
	require.Nil(t, memory.Lookup(name), "discarded with the last client")

	c3 := open(t, "memory://"+name)
	require.NotSame(t, b, brokerOf(t, c3))
	require.Empty(t, brokerOf(t, c3).Topics(), "a new broker starts empty")
}

func TestNewBroker(t *testing.T) {
	name := fmt.Sprintf("nb-%d", time.Now().UnixNano())
	b, err := memory.NewBroker(name, memory.Config{Partitions: 2, Full: memory.Fail})
	require.NoError(t, err)
	_, err = memory.NewBroker(name, memory.Config{})
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	_, err = memory.NewBroker(name+"-bad", memory.Config{Partitions: -1})
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Equal(t, memory.Config{Partitions: 2, MaxBacklog: memory.DefaultMaxBacklog, Full: memory.Fail,
		MaxMessageSize: memory.DefaultMaxMessageSize}, b.Config())

	c := open(t, "memory://"+name+"?partitions=2&full=fail")
	require.Same(t, b, brokerOf(t, c))
	require.NoError(t, b.Close())
	require.ErrorIs(t, b.Close(), mq.ErrClosed)
	require.Same(t, b, memory.Lookup(name), "still held by the client")
	require.NoError(t, c.Close(ctxT(t)))
	require.Nil(t, memory.Lookup(name))
}

func TestUseAfterClose(t *testing.T) {
	ctx := ctxT(t)
	holder := open(t, uniqueURL(t, ""))
	u := "memory://" + brokerOf(t, holder).Name()
	c, err := mq.Open(ctx, u)
	require.NoError(t, err)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{})
	m := recv(t, k, 1)[0]
	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Close(ctx), mq.ErrClosed)
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{}), mq.ErrClosed)
	_, err = c.NewConsumer(ctx, "t", mq.Group("g"))
	require.ErrorIs(t, err, mq.ErrClosed)
	_, err = k.Receive(ctx, 1, 0)
	require.ErrorIs(t, err, mq.ErrClosed)
	require.ErrorIs(t, m.Ack(ctx), mq.ErrClosed)

	// The unacked message went back to the group.
	k2, err := holder.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	again := recv(t, k2, 1)[0]
	require.Equal(t, 2, again.Attempt)
}

func TestReceiveHonoursContext(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = k.Receive(short, 1, 0)
	require.ErrorIs(t, err, mq.ErrTimeout)
	canceled, cancel2 := context.WithCancel(ctx)
	cancel2()
	require.ErrorIs(t, c.Publish(canceled, "t", &mq.Message{}), mq.ErrCanceled)
}

func TestAsyncCallbacksRunBeforeCloseReturns(t *testing.T) {
	c, err := mq.Open(ctxT(t), uniqueURL(t, ""))
	require.NoError(t, err)
	ctx := ctxT(t)
	done := make(chan error, 100)
	for range 100 {
		require.NoError(t, c.PublishAsync(ctx, "t", &mq.Message{}, func(m *mq.Message, err error) {
			done <- err
		}))
	}
	require.NoError(t, c.Close(ctx))
	require.Len(t, done, 100)
	for range 100 {
		require.NoError(t, <-done)
	}
}
