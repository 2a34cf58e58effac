package mq_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestPrefetchIsValidated(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	h := func(context.Context, *mq.Message) error { return nil }
	_, err := c.Subscribe(ctx, "p", h, mq.Prefetch(0))
	assert.True(t, errors.Is(err, mq.ErrInvalidOption), "Prefetch(0): %v", err)
	_, err = c.Subscribe(ctx, "p", h, mq.Concurrency(8), mq.Prefetch(4))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "Prefetch below Concurrency: %v", err)
	assert.Contains(t, err.Error(), "Prefetch 4 is below Concurrency 8")
	_, err = c.NewConsumer(ctx, "p", mq.Concurrency(16))
	assert.True(t, errors.Is(err, mq.ErrInvalidOption), "Concurrency on a Consumer (it runs no handlers): %v", err)
	k, err := c.NewConsumer(ctx, "p", mq.Prefetch(16))
	require.NoError(t, err, "Prefetch on a Consumer")
	require.NoError(t, k.Close(ctx))
}

// With a prefetch larger than Concurrency, the Subscriber holds more
// messages than it runs: never more than Concurrency handlers at once,
// unordered or ordered (one lane per key), and every message is handled.
func TestPrefetchDoesNotRaiseConcurrency(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		t.Run(fmt.Sprintf("ordered=%v", ordered), func(t *testing.T) {
			c := open(t)
			ctx := context.Background()
			const conc, n = 2, 12
			var handled, running, peak atomic.Int64
			gate := make(chan struct{})
			opts := []mq.Option{mq.Concurrency(conc), mq.Prefetch(16)}
			if ordered {
				opts = append(opts, mq.Ordered())
			}
			s, err := c.Subscribe(ctx, "held", func(ctx context.Context, m *mq.Message) error {
				defer handled.Add(1)
				r := running.Add(1)
				defer running.Add(-1)
				for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
				}
				select {
				case <-gate:
				case <-ctx.Done():
				}
				return nil
			}, opts...)
			require.NoError(t, err)
			defer s.Close(ctx)
			release := sync.OnceFunc(func() { close(gate) })
			defer release() // before Close, also when the test fails
			batch := make([]*mq.Message, n)
			for i := range batch {
				batch[i] = &mq.Message{Key: fmt.Sprintf("k%d", i), Body: []byte("x")}
			}
			require.NoError(t, c.PublishBatch(ctx, "held", batch))
			require.Eventually(t, func() bool { return running.Load() >= conc }, 5*time.Second, time.Millisecond,
				"Concurrency handlers never ran at once")
			time.Sleep(50 * time.Millisecond) // give a wrongly started third handler time to show
			assert.EqualValues(t, conc, peak.Load(), "more handlers ran at once than Concurrency")
			release()
			require.Eventually(t, func() bool { return handled.Load() == n }, 5*time.Second, time.Millisecond,
				"not every message was handled")
		})
	}
}
