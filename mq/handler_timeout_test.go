package mq_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// A handler that ignores its ctx keeps its slot past HandlerTimeout: at most
// Concurrency invocations run at once, and a timed-out message is not
// redelivered (to run a second copy beside the first) before its handler
// returned.
func TestHandlerTimeoutBoundsConcurrency(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		name := "unordered"
		if ordered {
			name = "ordered"
		}
		t.Run(name, func(t *testing.T) {
			c := open(t)
			ctx := context.Background()
			const concurrency, timeout, ignoreFor = 2, 20 * time.Millisecond, 60 * time.Millisecond
			var (
				running, most, calls atomic.Int64
				mu                   sync.Mutex
				inflight             = map[string]bool{}
				dups                 []string
			)
			h := func(_ context.Context, m *mq.Message) error {
				now := running.Add(1)
				defer running.Add(-1)
				for {
					old := most.Load()
					if now <= old || most.CompareAndSwap(old, now) {
						break
					}
				}
				mu.Lock()
				if inflight[m.ID] {
					dups = append(dups, m.ID)
				}
				inflight[m.ID] = true
				mu.Unlock()
				// The handler under test ignores its ctx for a while.
				time.Sleep(ignoreFor)
				mu.Lock()
				delete(inflight, m.ID)
				mu.Unlock()
				calls.Add(1)
				return nil
			}
			opts := []mq.Option{mq.Group("g"), mq.Concurrency(concurrency), mq.HandlerTimeout(timeout),
				mq.MaxAttempts(1000), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond))}
			if ordered {
				opts = append(opts, mq.Ordered())
			}
			s, err := c.Subscribe(ctx, "timeouts", h, opts...)
			require.NoError(t, err)
			for i := 0; i < 10; i++ {
				require.NoError(t, c.Publish(ctx, "timeouts", &mq.Message{ID: string(rune('a' + i)), Key: string(rune('a' + i))}))
			}
			// Timed-out messages keep coming back (MaxAttempts 1000): watch
			// 30 handler calls.
			require.Eventually(t, func() bool { return calls.Load() >= 30 }, 30*time.Second, 5*time.Millisecond)
			require.NoError(t, s.Close(ctx))
			assert.LessOrEqual(t, most.Load(), int64(concurrency), "handlers running at once")
			mu.Lock()
			defer mu.Unlock()
			assert.Empty(t, dups, "messages whose handler ran twice at once")
		})
	}
}
