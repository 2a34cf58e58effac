package memory_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestFailNextPublishes(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)

	b.FailNextPublishes(2, nil)
	require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{}), mq.ErrUnavailable)
	require.ErrorIs(t, c.PublishBatch(ctx, "t", numbered("b", 3)), mq.ErrUnavailable)
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{}))
	require.Equal(t, 1, b.Len("t"), "failed publishes store nothing")

	boom := &mq.Error{Code: mq.ErrRejected.Code, Op: "publish", Msg: "custom"}
	b.FailNextPublishes(1, boom)
	err := c.Publish(ctx, "t", &mq.Message{})
	require.ErrorIs(t, err, mq.ErrRejected)

	// Async failures reach the callback.
	b.FailNextPublishes(1, nil)
	f := c.PublishFuture(ctx, "t", &mq.Message{})
	require.ErrorIs(t, f.Wait(ctx), mq.ErrUnavailable)
	require.NoError(t, c.PublishFuture(ctx, "t", &mq.Message{}).Wait(ctx))

	b.FailNextPublishes(5, nil)
	b.FailNextPublishes(0, nil)
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{}))
}

func TestDuplicateNext(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	b.DuplicateNext(1)
	pub(t, c, "t", &mq.Message{ID: "once", Body: []byte("x")})
	got := recv(t, k, 2)
	require.Equal(t, "once", got[0].ID)
	require.Equal(t, "once", got[1].ID)
	require.Equal(t, got[0].BrokerID, got[1].BrokerID)
	require.NoError(t, k.Ack(ctx, got...))
	require.Equal(t, 0, b.Backlog("t", "g"))
	pub(t, c, "t", &mq.Message{ID: "next"})
	require.Len(t, recv(t, k, 1), 1)
	quiet(t, k, 30*quietUnit)

	// With room for one message per Receive the copy comes next.
	b.DuplicateNext(1)
	pub(t, c, "t", &mq.Message{ID: "again"})
	a := recv(t, k, 1)
	a2 := recv(t, k, 1)
	require.Equal(t, a[0].BrokerID, a2[0].BrokerID)
}

func TestDropConnectionsWithPullConsumer(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{ID: "m"})
	m := recv(t, k, 1)[0]

	b.DropConnections()
	_, err = k.Receive(ctx, 1, 0)
	require.ErrorIs(t, err, mq.ErrUnavailable, "Receive fails once after the drop")
	require.ErrorIs(t, m.Ack(ctx), mq.ErrUnavailable, "an ack after the drop fails")
	again := recv(t, k, 1)[0]
	require.Equal(t, "m", again.ID)
	require.Equal(t, 2, again.Attempt)
	require.NoError(t, again.Ack(ctx))
	require.Equal(t, 0, b.Backlog("t", "g"))
}

func TestDropConnectionsSubscriberResumes(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	release := make(chan struct{})
	var handled atomic.Int32
	attempts := make(chan int, 10)
	_, err := c.Subscribe(ctx, "t", func(ctx context.Context, m *mq.Message) error {
		attempts <- m.Attempt
		if m.ID == "stuck" && m.Attempt == 1 {
			<-release
		}
		handled.Add(1)
		return nil
	}, mq.Group("g"), mq.WithBackoff(mq.ConstantBackoff(5*time.Millisecond)))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{ID: "stuck"})
	require.Equal(t, 1, <-attempts)

	b.DropConnections()
	close(release) // the handler finishes; its ack fails; the message comes again
	select {
	case a := <-attempts:
		require.Equal(t, 2, a)
	case <-ctx.Done():
		t.Fatal("not redelivered after the drop")
	}
	pub(t, c, "t", &mq.Message{ID: "after"})
	require.Eventually(t, func() bool { return handled.Load() == 3 && b.Backlog("t", "g") == 0 }, 5*time.Second, time.Millisecond)
}

func TestErrorsCarryCodes(t *testing.T) {
	c := open(t, uniqueURL(t, "maxsize=10"))
	ctx := ctxT(t)
	err := c.Publish(ctx, "t", &mq.Message{Body: make([]byte, 11)})
	require.ErrorIs(t, err, mq.ErrTooLarge)
	var e *mq.Error
	require.True(t, errors.As(err, &e))
}

func TestHeadersAreCopied(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k1, err := c.NewConsumer(ctx, "t", mq.Group("g1"))
	require.NoError(t, err)
	k2, err := c.NewConsumer(ctx, "t", mq.Group("g2"))
	require.NoError(t, err)
	h := map[string]string{"v": "1"}
	pub(t, c, "t", &mq.Message{Headers: h})
	h["v"] = "changed after publish"
	m1 := recv(t, k1, 1)[0]
	m1.SetHeader("v", "changed by a handler")
	m2 := recv(t, k2, 1)[0]
	require.Equal(t, "1", m2.Header("v"))
}

func TestCopyBodies(t *testing.T) {
	c := open(t, uniqueURL(t, "copybodies=true"))
	ctx := ctxT(t)
	require.True(t, brokerOf(t, c).Config().CopyBodies)
	k1, err := c.NewConsumer(ctx, "t", mq.Group("g1"))
	require.NoError(t, err)
	k2, err := c.NewConsumer(ctx, "t", mq.Group("g2"))
	require.NoError(t, err)
	buf := []byte("original")
	pub(t, c, "t", &mq.Message{Body: buf})
	copy(buf, "REUSED!!") // a publisher reusing its buffer
	m1 := recv(t, k1, 1)[0]
	require.Equal(t, "original", string(m1.Body))
	copy(m1.Body, "modified") // a handler decoding in place
	require.Equal(t, "original", string(recv(t, k2, 1)[0].Body))
}
