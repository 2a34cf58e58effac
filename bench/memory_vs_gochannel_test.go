package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

var body = make([]byte, 256)

// counter counts deliveries and closes done when target is reached.
type counter struct {
	n      atomic.Int64
	target int64
	done   chan struct{}
}

func newCounter(target int) *counter {
	return &counter{target: int64(target), done: make(chan struct{})}
}

func (c *counter) add() {
	if c.n.Add(1) == c.target {
		close(c.done)
	}
}

func (c *counter) wait(b *testing.B) {
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d deliveries", c.n.Load(), c.target)
	}
}

// BenchmarkEndToEnd measures publish → handler → ack, 256-byte bodies, with
// 1 and 8 subscribers that each get every message (fan-out: 8 groups on
// unimq, 8 subscriptions on GoChannel, which has no consumer groups).
func BenchmarkEndToEnd(b *testing.B) {
	for _, subs := range []int{1, 8} {
		b.Run(fmt.Sprintf("unimq-memory/subs=%d", subs), func(b *testing.B) { benchUnimq(b, subs) })
		b.Run(fmt.Sprintf("watermill-gochannel/subs=%d", subs), func(b *testing.B) { benchGoChannel(b, subs) })
	}
}

var brokerSeq atomic.Int64

func benchUnimq(b *testing.B, subs int) {
	ctx := context.Background()
	c, err := mq.Open(ctx, fmt.Sprintf("memory://bench-%d?maxbacklog=1000000", brokerSeq.Add(1)))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	got := newCounter(b.N * subs)
	for i := 0; i < subs; i++ {
		_, err := c.Subscribe(ctx, "bench", func(ctx context.Context, m *mq.Message) error {
			got.add()
			return nil
		}, mq.Group(fmt.Sprintf("g%d", i)), mq.Concurrency(64))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := c.Publish(ctx, "bench", &mq.Message{Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	got.wait(b)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

func benchGoChannel(b *testing.B, subs int) {
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024}, watermill.NopLogger{})
	defer ps.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := newCounter(b.N * subs)
	for i := 0; i < subs; i++ {
		ch, err := ps.Subscribe(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for m := range ch {
				got.add()
				m.Ack()
			}
		}()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := ps.Publish("bench", message.NewMessage(watermill.NewUUID(), body)); err != nil {
			b.Fatal(err)
		}
	}
	got.wait(b)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkPublish measures the publish path alone (no subscriber), where
// the allocation target (<= 2 per message) applies.
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	b.Run("unimq-memory", func(b *testing.B) {
		c, err := mq.Open(ctx, fmt.Sprintf("memory://bench-%d?maxbacklog=1000000", brokerSeq.Add(1)))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		m := &mq.Message{Body: body}
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := c.Publish(ctx, "bench", m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("watermill-gochannel", func(b *testing.B) {
		ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
		defer ps.Close()
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := ps.Publish("bench", message.NewMessage(watermill.NewUUID(), body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
