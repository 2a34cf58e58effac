package memory_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// BenchmarkPublish measures a synchronous publish of a 256-byte body with
// no subscriber (the log evicts as it goes). Run with -benchmem: allocs/op
// is the allocations per published message, the mq.Message included.
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	c, err := mq.Open(ctx, fmt.Sprintf("memory://bench-publish-%d?maxbacklog=10000", time.Now().UnixNano()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	body := make([]byte, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.Publish(ctx, "bench", &mq.Message{Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkEndToEnd measures publish → handler → ack through
// mq.Client.Subscribe with 1 and 8 subscribers in one group, 256-byte
// bodies. An op is one message published and handled.
func BenchmarkEndToEnd(b *testing.B) {
	for _, subs := range []int{1, 8} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			ctx := context.Background()
			c, err := mq.Open(ctx, fmt.Sprintf("memory://bench-e2e-%d-%d", subs, time.Now().UnixNano()))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ctx)
			var handled atomic.Int64
			var target atomic.Int64
			done := make(chan struct{}, 1)
			h := func(ctx context.Context, m *mq.Message) error {
				if n := handled.Add(1); n == target.Load() {
					done <- struct{}{}
				}
				return nil
			}
			for range subs {
				if _, err := c.Subscribe(ctx, "bench", h, mq.Group("g")); err != nil {
					b.Fatal(err)
				}
			}
			body := make([]byte, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			n := int64(0)
			for b.Loop() {
				n++
				if err := c.Publish(ctx, "bench", &mq.Message{Body: body}); err != nil {
					b.Fatal(err)
				}
			}
			target.Store(n)
			if handled.Load() < n {
				select {
				case <-done:
				case <-time.After(time.Minute):
					b.Fatalf("handled %d of %d", handled.Load(), n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
