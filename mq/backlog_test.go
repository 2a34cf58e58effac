package mq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// Client.Backlog checks its arguments, Subscriber and Consumer ask for their
// own group, and Subscriptions lists what is open.
func TestBacklogAndSubscriptions(t *testing.T) {
	ctx := context.Background()
	var opened *mq.Client
	c := open(t, mq.OnOpen(func(c *mq.Client) { opened = c }))
	require.Same(t, c, opened, "OnOpen gets the client Open returns")

	_, err := c.Backlog(ctx, "", "g")
	assert.ErrorIs(t, err, mq.ErrInvalidArgument)
	_, err = c.Backlog(ctx, "bl", "bad group\n")
	assert.ErrorIs(t, err, mq.ErrInvalidArgument)
	_, err = c.Backlog(ctx, "never-used", "g")
	assert.ErrorIs(t, err, mq.ErrNotFound)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Backlog(cctx, "bl", "g")
	assert.ErrorIs(t, err, mq.ErrCanceled)

	require.NoError(t, c.Declare(ctx, "bl", "g"))
	for i := 0; i < 3; i++ {
		require.NoError(t, c.Publish(ctx, "bl", &mq.Message{Body: []byte("x")}))
	}
	n, err := c.Backlog(ctx, "bl", "g")
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)

	k, err := c.NewConsumer(ctx, "bl", mq.Group("g"))
	require.NoError(t, err)
	s, err := c.Subscribe(ctx, "bl", func(context.Context, *mq.Message) error { return nil }, mq.Broadcast())
	require.NoError(t, err)
	assert.ElementsMatch(t, []mq.SubscriptionInfo{
		{Topic: "bl", Group: "g", Pull: true},
		{Topic: "bl", Broadcast: true},
	}, c.Subscriptions())
	_, err = s.Backlog(ctx)
	assert.ErrorIs(t, err, mq.ErrUnsupported, "a broadcast subscriber has no group")

	ms, err := k.Receive(ctx, 3, 5*time.Second)
	require.NoError(t, err)
	n, err = k.Backlog(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n, "received, not acknowledged: still waiting")
	require.NoError(t, k.Ack(ctx, ms...))
	n, err = k.Backlog(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	require.NoError(t, k.Close(ctx))
	_, err = k.Backlog(ctx)
	assert.ErrorIs(t, err, mq.ErrClosed)
	assert.Len(t, c.Subscriptions(), 1)
	require.NoError(t, c.Close(ctx))
	assert.Nil(t, c.Subscriptions())
	_, err = c.Backlog(ctx, "bl", "g")
	assert.ErrorIs(t, err, mq.ErrClosed)
}

type spanMark struct{}

// A receive interceptor gives each pulled message its context and hears
// once how it was settled: acked, nacked, timed out, or left at Close.
func TestReceiveInterceptor(t *testing.T) {
	ctx := context.Background()
	type settled struct {
		id  string
		err error
	}
	got := make(chan settled, 16)
	var infos []mq.HandlerInfo
	icpt := func(ctx context.Context, m *mq.Message) (context.Context, func(error)) {
		hi, _ := mq.HandlerInfoFrom(ctx)
		infos = append(infos, hi)
		id := m.ID
		return context.WithValue(ctx, spanMark{}, id), func(err error) { got <- settled{id, err} }
	}
	c := open(t, mq.WithReceiveInterceptor(icpt))
	k, err := c.NewConsumer(ctx, "ri", mq.Group("g"), mq.AckTimeout(300*time.Millisecond),
		mq.WithBackoff(mq.ConstantBackoff(10*time.Millisecond)))
	require.NoError(t, err)
	for _, id := range []string{"a", "b", "c", "d"} {
		require.NoError(t, c.Publish(ctx, "ri", &mq.Message{ID: id}))
	}
	var ms []*mq.Message
	for len(ms) < 4 {
		got, err := k.Receive(ctx, 4, 5*time.Second)
		require.NoError(t, err)
		ms = append(ms, got...)
	}
	byID := map[string]*mq.Message{}
	for _, m := range ms {
		byID[m.ID] = m
		assert.Equal(t, m.ID, m.Context().Value(spanMark{}), "Message.Context is the interceptor's")
	}
	assert.Equal(t, mq.HandlerInfo{Topic: "ri", Group: "g", Backend: "memory"}, infos[0])
	boom := errors.New("boom")
	require.NoError(t, byID["a"].Ack(ctx))
	require.NoError(t, byID["b"].Nack(ctx, boom))
	want := map[string]error{"a": nil, "b": boom}
	for i := 0; i < 2; i++ {
		s := <-got
		assert.Equal(t, want[s.id], s.err, s.id)
	}
	// c and d: AckTimeout sends them back.
	for i := 0; i < 2; i++ {
		select {
		case s := <-got:
			assert.ErrorIs(t, s.err, mq.ErrTimeout, s.id)
		case <-time.After(10 * time.Second):
			t.Fatal("no settlement after AckTimeout")
		}
	}
	// Redelivered after AckTimeout; left unsettled at Close.
	again, err := k.Receive(ctx, 1, 5*time.Second)
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.NoError(t, k.Close(ctx))
	select {
	case s := <-got:
		assert.Equal(t, again[0].ID, s.id)
		assert.ErrorIs(t, s.err, mq.ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("no settlement at Close")
	}
	assert.Empty(t, got, "each message settles once")
	assert.Equal(t, context.Background(), (&mq.Message{}).Context())
}
