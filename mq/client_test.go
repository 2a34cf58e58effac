package mq_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var brokerSeq atomic.Int64

func open(t *testing.T, opts ...mq.Option) *mq.Client {
	t.Helper()
	c, err := mq.Open(context.Background(), fmt.Sprintf("memory://mq-test-%d", brokerSeq.Add(1)), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func TestMiddlewareOrder(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	mw := func(name string) func(mq.Handler) mq.Handler {
		return func(next mq.Handler) mq.Handler {
			return func(ctx context.Context, m *mq.Message) error {
				mu.Lock()
				trace = append(trace, name)
				mu.Unlock()
				return next(ctx, m)
			}
		}
	}
	c := open(t, mq.WithMiddleware(mw("client")))
	done := make(chan struct{})
	_, err := c.Subscribe(context.Background(), "t", func(ctx context.Context, m *mq.Message) error {
		close(done)
		return nil
	}, mq.WithMiddleware(mw("sub1"), mw("sub2")))
	require.NoError(t, err)
	require.NoError(t, c.Publish(context.Background(), "t", &mq.Message{Body: []byte("x")}))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"client", "sub1", "sub2"}, trace)
}

func TestPublishFuture(t *testing.T) {
	c := open(t)
	f := c.PublishFuture(context.Background(), "t", &mq.Message{Body: []byte("x")})
	require.NoError(t, f.Wait(context.Background()))
	<-f.Done()
	assert.NoError(t, f.Err())

	f = c.PublishFuture(context.Background(), "", &mq.Message{})
	assert.True(t, errors.Is(f.Wait(context.Background()), mq.ErrInvalidArgument))
}

func TestSettleRules(t *testing.T) {
	ctx := context.Background()
	c := open(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{ID: "m1", Body: []byte("x")}))
	msgs, err := k.Receive(ctx, 1, 5*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.NoError(t, msgs[0].Ack(ctx))
	err = msgs[0].Ack(ctx)
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "double ack: %v", err)
	err = msgs[0].Nack(ctx, nil)
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "nack after ack: %v", err)

	// A message given to a handler is settled by the handler's result.
	var m mq.Message
	assert.True(t, errors.Is(m.Ack(ctx), mq.ErrInvalidArgument))

	// Nothing within the wait: no messages, no error.
	msgs, err = k.Receive(ctx, 4, 50*time.Millisecond)
	assert.NoError(t, err)
	assert.Empty(t, msgs)
	_, err = k.Receive(ctx, 0, time.Millisecond)
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument))
}

func TestOptionScopeOnSubscribe(t *testing.T) {
	c := open(t)
	h := func(context.Context, *mq.Message) error { return nil }
	_, err := c.Subscribe(context.Background(), "t", h, mq.AckTimeout(time.Second))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "AckTimeout applies to Consumer")

	err = c.Publish(context.Background(), "t", &mq.Message{}, mq.Group("g"))
	assert.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)

	for _, o := range []mq.Option{mq.Concurrency(0), mq.MaxAttempts(0), mq.Group(""), mq.Group("a b"),
		mq.HandlerTimeout(0), mq.WithBackoff(nil), mq.DeadLetterTopic(""), mq.StartAt(time.Time{}),
		mq.TagFilter("a |"), mq.TagPattern("a..b"), mq.StartFrom(99)} {
		_, err := c.Subscribe(context.Background(), "t", h, o)
		assert.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	}
}

func TestClientCloseClosesEverything(t *testing.T) {
	ctx := context.Background()
	c, err := mq.Open(ctx, "memory://mq-test-close")
	require.NoError(t, err)
	sub, err := c.Subscribe(ctx, "t", func(context.Context, *mq.Message) error { return nil })
	require.NoError(t, err)
	k, err := c.NewConsumer(ctx, "t")
	require.NoError(t, err)
	require.NoError(t, c.Close(ctx))

	assert.True(t, errors.Is(sub.Close(ctx), mq.ErrClosed))
	assert.True(t, errors.Is(k.Close(ctx), mq.ErrClosed))
	_, err = k.Receive(ctx, 1, time.Millisecond)
	assert.True(t, errors.Is(err, mq.ErrClosed))
	assert.True(t, errors.Is(c.Publish(ctx, "t", &mq.Message{}), mq.ErrClosed))
	assert.True(t, errors.Is(c.PublishOneWay(ctx, "t", &mq.Message{}), mq.ErrClosed))
	assert.True(t, errors.Is(c.PublishBatch(ctx, "t", []*mq.Message{{}}), mq.ErrClosed))
	_, err = c.Subscribe(ctx, "t", func(context.Context, *mq.Message) error { return nil })
	assert.True(t, errors.Is(err, mq.ErrClosed))
	_, err = c.NewConsumer(ctx, "t")
	assert.True(t, errors.Is(err, mq.ErrClosed))
	assert.True(t, errors.Is(c.Close(ctx), mq.ErrClosed))
}

func TestHandlerTimeoutCancelsContext(t *testing.T) {
	c := open(t)
	canceled := make(chan error, 1)
	second := make(chan int, 1)
	_, err := c.Subscribe(context.Background(), "t", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt == 1 {
			<-ctx.Done()
			canceled <- ctx.Err()
			return ctx.Err()
		}
		second <- m.Attempt
		return nil
	}, mq.HandlerTimeout(20*time.Millisecond), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)))
	require.NoError(t, err)
	require.NoError(t, c.Publish(context.Background(), "t", &mq.Message{Body: []byte("x")}))
	select {
	case err := <-canceled:
		assert.True(t, errors.Is(err, context.DeadlineExceeded))
	case <-time.After(5 * time.Second):
		t.Fatal("handler ctx not canceled")
	}
	select {
	case n := <-second:
		assert.Equal(t, 2, n)
	case <-time.After(5 * time.Second):
		t.Fatal("no redelivery after the timeout")
	}
}

func TestStringRedactsCredentials(t *testing.T) {
	c := open(t)
	assert.False(t, strings.Contains(c.String(), "@"))
	assert.True(t, strings.HasPrefix(c.String(), "memory://"))
}

func TestExponentialBackoff(t *testing.T) {
	b := mq.ExponentialBackoff(10*time.Millisecond, 100*time.Millisecond)
	for attempt, want := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond, 4: 80 * time.Millisecond, 9: 100 * time.Millisecond} {
		d := b(attempt)
		assert.GreaterOrEqual(t, d, want, "attempt %d", attempt)
		assert.LessOrEqual(t, d, want+want/5, "attempt %d", attempt)
	}
	// A huge attempt number (from a forged header) and a huge maximum
	// neither loop for ever nor overflow.
	huge := mq.ExponentialBackoff(time.Millisecond, time.Duration(math.MaxInt64))
	for _, attempt := range []int{62, 63, 64, 1 << 62} {
		assert.Greater(t, huge(attempt), time.Duration(0), "attempt %d", attempt)
	}
}

func TestHooksSeePublishesAndSettlements(t *testing.T) {
	var mu sync.Mutex
	kinds := map[mq.EventKind]int{}
	var deadErr error
	var ackTook time.Duration
	c := open(t, mq.WithHook(func(ctx context.Context, e mq.Event) {
		mu.Lock()
		defer mu.Unlock()
		kinds[e.Kind]++
		if e.Kind == mq.EventAcked {
			ackTook = e.Duration
		}
		if e.Kind == mq.EventDeadLettered {
			deadErr = e.Err
		}
	}))
	ctx := context.Background()
	_, err := c.Subscribe(ctx, "t", func(ctx context.Context, m *mq.Message) error {
		if m.Tag == "bad" {
			return errors.New("poison")
		}
		return nil
	}, mq.MaxAttempts(2), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)), mq.TagFilter("good || bad"))
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{Tag: "good"}))
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{Tag: "bad"}))
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{Tag: "other"}))
	// The "other" message is skipped by the broker (memory filters
	// server-side), so no EventSkipped reaches the hook here.
	want := map[mq.EventKind]int{mq.EventPublished: 3, mq.EventAcked: 1, mq.EventRetried: 1, mq.EventDeadLettered: 1, mq.EventSkipped: 0}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for k, n := range want {
			if kinds[k] != n {
				return false
			}
		}
		return true
	}, 5*time.Second, 5*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.EqualError(t, deadErr, "poison")
	assert.Positive(t, ackTook, "an ack reports how long the message took since it was received")
	assert.Equal(t, "dead-lettered", mq.EventDeadLettered.String())
}

// An Ordered subscriber retries in place (the key's next message waits), and
// its hooks see each failed attempt as a retry, as an unordered one's do.
func TestHooksSeeOrderedRetries(t *testing.T) {
	var mu sync.Mutex
	var retried []int
	acked := make(chan struct{})
	c := open(t, mq.WithHook(func(ctx context.Context, e mq.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case mq.EventRetried:
			retried = append(retried, e.Attempt)
		case mq.EventAcked:
			close(acked)
		}
	}))
	ctx := context.Background()
	_, err := c.Subscribe(ctx, "ordered-hooks", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt < 3 {
			return errors.New("not yet")
		}
		return nil
	}, mq.Ordered(), mq.MaxAttempts(5), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)))
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "ordered-hooks", &mq.Message{Key: "k"}))
	select {
	case <-acked:
	case <-time.After(10 * time.Second):
		t.Fatal("the message was not acked")
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{1, 2}, retried, "one retried event per failed attempt, with its attempt number")
}
