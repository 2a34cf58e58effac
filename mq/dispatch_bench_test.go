package mq_test

import (
	"context"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// BenchmarkSubscriberDispatch measures what mq's consume loop costs per
// message, without a broker: a driver whose Receive never waits (it hands
// out messages from a ring) and whose Ack only counts, a handler that
// returns nil, Concurrency(64). An op is one message received, handled and
// acknowledged; B/op and allocs/op are mq's own. Compare before and after a
// change to the engine (mq/internal/consume):
//
//	go test -run '^$' -bench SubscriberDispatch -benchmem -count 5 ./mq/
func BenchmarkSubscriberDispatch(b *testing.B) { benchDispatch(b) }

// BenchmarkSubscriberDispatchHooked is BenchmarkSubscriberDispatch with a
// settlement hook (which makes the engine time each message and carry the
// handler's ctx to the hook).
func BenchmarkSubscriberDispatchHooked(b *testing.B) {
	var acked atomic.Int64
	benchDispatch(b, mq.WithHook(func(ctx context.Context, e mq.Event) {
		if e.Kind == mq.EventAcked && ctx != nil {
			acked.Add(1)
		}
	}))
	if acked.Load() == 0 {
		b.Fatal("the hook saw no ack")
	}
}

// BenchmarkSubscriberBatchDispatch is BenchmarkSubscriberDispatch through
// SubscribeBatch: batches of up to 100, 8 batch workers, an op is still one
// message.
func BenchmarkSubscriberBatchDispatch(b *testing.B) {
	benchSubscribe(b, nil, func(c *mq.Client, handled func(n int)) (*mq.Subscriber, error) {
		return c.SubscribeBatch(context.Background(), "bench", func(_ context.Context, ms []*mq.Message) error {
			handled(len(ms))
			return nil
		}, mq.Group("g"), mq.Concurrency(8), mq.BatchSize(100), mq.BatchLinger(time.Millisecond))
	})
}

func benchDispatch(b *testing.B, open ...mq.Option) {
	benchSubscribe(b, open, func(c *mq.Client, handled func(n int)) (*mq.Subscriber, error) {
		return c.Subscribe(context.Background(), "bench", func(context.Context, *mq.Message) error {
			handled(1)
			return nil
		}, mq.Group("g"), mq.Concurrency(64))
	})
}

// benchSubscribe opens the ring backend with open, subscribes with sub and
// times b.N messages handled.
func benchSubscribe(b *testing.B, open []mq.Option, sub func(c *mq.Client, handled func(n int)) (*mq.Subscriber, error)) {
	registerRing.Do(func() {
		mq.Register("benchring", func(context.Context, *url.URL, *driver.OpenConfig) (driver.Conn, error) {
			src := &ringSource{}
			for i := range src.ring {
				src.ring[i] = driver.Message{Topic: "bench", Body: make([]byte, 256), Attempt: 1, Offset: int64(i), BrokerID: "bench"}
			}
			return ringConn{src}, nil
		})
	})
	ctx := context.Background()
	c, err := mq.Open(ctx, "benchring://local", open...)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	var handled atomic.Int64
	target := int64(b.N)
	done := make(chan struct{})
	b.ReportAllocs()
	b.ResetTimer()
	var once sync.Once
	s, err := sub(c, func(n int) {
		if handled.Add(int64(n)) >= target {
			once.Do(func() { close(done) })
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		b.Fatalf("handled %d of %d", handled.Load(), target)
	}
	b.StopTimer()
	if err := s.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

var registerRing sync.Once

// ringSource is an endless supply of messages for one subscription.
type ringSource struct {
	ring  [4096]driver.Message
	next  atomic.Int64
	acked atomic.Int64
}

type ringConn struct{ src *ringSource }

func (ringConn) Capabilities() driver.Capabilities {
	return driver.Capabilities{Backend: "benchring", Features: driver.CapGroups | driver.CapSyncPublish, MaxMessageSize: 1 << 20}
}
func (ringConn) Send(context.Context, string, []*driver.Message, driver.SendOptions) error {
	return driver.Errorf(driver.CodeUnsupported, "send", "benchring only delivers")
}
func (ringConn) SendAsync(context.Context, string, *driver.Message, driver.SendOptions, func(error)) error {
	return driver.Errorf(driver.CodeUnsupported, "send", "benchring only delivers")
}
func (r ringConn) Subscribe(context.Context, *driver.SubscriptionConfig) (driver.Subscription, error) {
	return &ringSub{src: r.src, closed: make(chan struct{})}, nil
}
func (ringConn) Close(context.Context) error { return nil }
func (ringConn) As(any) bool                 { return false }

type ringSub struct {
	src    *ringSource
	closed chan struct{}
}

// Receive hands out up to n messages (at most 256) at once, never waiting.
func (r *ringSub) Receive(ctx context.Context, n int) ([]*driver.Message, error) {
	select {
	case <-r.closed:
		return nil, driver.Errorf(driver.CodeClosed, "receive", "closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	default:
	}
	n = min(n, 256)
	out := make([]*driver.Message, n)
	first := r.src.next.Add(int64(n)) - int64(n)
	for i := range out {
		out[i] = &r.src.ring[(first+int64(i))%int64(len(r.src.ring))]
	}
	return out, nil
}

func (r *ringSub) Ack(_ context.Context, msgs []*driver.Message) error {
	r.src.acked.Add(int64(len(msgs)))
	return nil
}
func (r *ringSub) Nack(context.Context, *driver.Message, time.Duration) error { return nil }
func (r *ringSub) DeadLetter(context.Context, *driver.Message, string) error  { return nil }
func (r *ringSub) Close(context.Context) error {
	close(r.closed)
	return nil
}
func (r *ringSub) As(any) bool { return false }
