package mq_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// The batch options apply to SubscribeBatch only; middleware wraps a
// Handler and is refused there; a Prefetch below BatchSize could never
// fill a batch.
func TestBatchOptionsAreScoped(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	nop := func(context.Context, *mq.Message) error { return nil }
	nopBatch := func(context.Context, []*mq.Message) error { return nil }
	mw := func(h mq.Handler) mq.Handler { return h }
	for name, err := range map[string]error{
		"BatchSize on Subscribe":     second(c.Subscribe(ctx, "b", nop, mq.BatchSize(10))),
		"BatchLinger on Subscribe":   second(c.Subscribe(ctx, "b", nop, mq.BatchLinger(time.Second))),
		"middleware on batch":        second(c.SubscribeBatch(ctx, "b", nopBatch, mq.WithMiddleware(mw))),
		"Prefetch below BatchSize":   second(c.SubscribeBatch(ctx, "b", nopBatch, mq.BatchSize(10), mq.Prefetch(5))),
		"zero BatchSize":             second(c.SubscribeBatch(ctx, "b", nopBatch, mq.BatchSize(0))),
		"negative BatchLinger":       second(c.SubscribeBatch(ctx, "b", nopBatch, mq.BatchLinger(-1))),
		"BatchSize over MaxPrefetch": second(c.SubscribeBatch(ctx, "b", nopBatch, mq.BatchSize(mq.MaxPrefetch+1))),
	} {
		require.ErrorIs(t, err, mq.ErrInvalidOption, name)
	}
	_, err := c.SubscribeBatch(ctx, "b", nil)
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
}

func second[T any](_ T, err error) error { return err }

// A BatchError wraps its cause (errors.Is / NoRetry see through it), and a
// NoRetry cause dead-letters the named messages at once.
func TestBatchErrorNoRetryDeadLettersAtOnce(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	be := &mq.BatchError{Failed: []int{1}, Err: mq.NoRetry(errPoison)}
	require.ErrorIs(t, be, errPoison)

	var dead atomic.Int64
	d, err := c.Subscribe(ctx, "batch.dlq", func(_ context.Context, m *mq.Message) error {
		dead.Add(1)
		return nil
	}, mq.Group("dlq"))
	require.NoError(t, err)
	defer d.Close(ctx)
	var calls atomic.Int64
	s, err := c.SubscribeBatch(ctx, "batch", func(_ context.Context, ms []*mq.Message) error {
		calls.Add(1)
		for i, m := range ms {
			if m.ID == "poison" {
				return &mq.BatchError{Failed: []int{i}, Err: mq.NoRetry(errPoison)}
			}
		}
		return nil
	}, mq.Group("g"), mq.BatchLinger(10*time.Millisecond), mq.DeadLetterTopic("batch.dlq"))
	require.NoError(t, err)
	defer s.Close(ctx)
	require.NoError(t, c.PublishBatch(ctx, "batch", []*mq.Message{{ID: "ok"}, {ID: "poison"}}))
	require.Eventually(t, func() bool { return dead.Load() == 1 }, 10*time.Second, time.Millisecond)
	require.Never(t, func() bool { return calls.Load() > 2 }, 200*time.Millisecond, 10*time.Millisecond,
		"the poison message was retried")
}

var errPoison = errors.New("poison row")
