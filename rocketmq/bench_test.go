package rocketmq_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

// Benchmarks of the adapter against the raw client in the same run, same
// broker, same settings: 256-byte bodies, producer retries 2, send timeout
// 3 s, 16 concurrent publishers (sync), a window of 256 in-flight sends
// (async), 20 consume goroutines and batch size 1 (push consume), topics of
// 4 queues. See docs/benchmarks-rocketmq.md.

const (
	benchBody        = 256
	benchConcurrency = 16
	benchWindow      = 256
	benchConsumers   = 20
)

var body256 = make([]byte, benchBody)

type benchEnv struct {
	url    string
	ns     []string
	client *mq.Client
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	url := brokerURL(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, withParams(url, "retries=2&send_timeout=3s"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close(context.Background()) })
	e := &benchEnv{url: url, ns: nameServersOf(url), client: c}
	return e
}

func (e *benchEnv) topic(b *testing.B, prefix string) string {
	t := mqtest.UniqueName(prefix)
	if err := rocketmq.CreateTopic(context.Background(), e.client, t, 4); err != nil {
		b.Fatal(err)
	}
	return t
}

func (e *benchEnv) rawProducer(b *testing.B) rmq.Producer {
	p, err := rmq.NewProducer(producer.WithNsResolver(primitive.NewPassthroughResolver(e.ns)),
		producer.WithGroupName(mqtest.UniqueName("bench-raw")), producer.WithInstanceName(mqtest.UniqueName("bench-raw")),
		producer.WithRetry(2), producer.WithSendMsgTimeout(3*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Shutdown() })
	return p
}

func BenchmarkSendSync(b *testing.B) {
	e := newBenchEnv(b)
	topic := e.topic(b, "bench-sync")
	raw := e.rawProducer(b)
	ctx := context.Background()
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error {
			return benchtest.Parallel(n, benchConcurrency, func() error {
				res, err := raw.SendSync(ctx, primitive.NewMessage(topic, body256))
				if err == nil && res.Status != primitive.SendOK {
					err = fmt.Errorf("status %d", res.Status)
				}
				return err
			})
		})
	}, func(n int) (time.Duration, error) {
		return benchtest.Timed(func() error {
			return benchtest.Parallel(n, benchConcurrency, func() error {
				return e.client.Publish(ctx, topic, &mq.Message{Body: body256})
			})
		})
	})
}

func BenchmarkSendAsync(b *testing.B) {
	e := newBenchEnv(b)
	topic := e.topic(b, "bench-async")
	raw := e.rawProducer(b)
	ctx := context.Background()
	run := func(n int, send func(done func(error)) error) (time.Duration, error) {
		window := make(chan struct{}, benchWindow)
		var wg sync.WaitGroup
		var failed atomic.Value
		start := time.Now()
		for i := 0; i < n; i++ {
			window <- struct{}{}
			wg.Add(1)
			err := send(func(err error) {
				if err != nil {
					failed.CompareAndSwap(nil, err)
				}
				<-window
				wg.Done()
			})
			if err != nil {
				return 0, err
			}
		}
		wg.Wait()
		d := time.Since(start)
		if err, _ := failed.Load().(error); err != nil {
			return d, err
		}
		return d, nil
	}
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		return run(n, func(done func(error)) error {
			return raw.SendAsync(ctx, func(_ context.Context, _ *primitive.SendResult, err error) { done(err) },
				primitive.NewMessage(topic, body256))
		})
	}, func(n int) (time.Duration, error) {
		return run(n, func(done func(error)) error {
			return e.client.PublishAsync(ctx, topic, &mq.Message{Body: body256}, func(_ *mq.Message, err error) { done(err) })
		})
	})
}

// BenchmarkPushConsume: n messages are stored first (not timed), then a new
// group consumes them from the oldest; timed from the first message handled
// to the last (steady-state throughput, without the consumer's start-up and
// rebalance, which differ: unimq's Subscribe waits for the queue assignment,
// the raw Start does not).
func BenchmarkPushConsume(b *testing.B) {
	pushConsume(b, []consumer.Option{consumer.WithConsumeGoroutineNums(benchConsumers)}, mq.Concurrency(benchConsumers))
}

// BenchmarkPushConsumeDefault is BenchmarkPushConsume with each side's
// default options: the raw push consumer's (20 consuming goroutines, pull
// batches of 32) and unimq's (Concurrency 8).
func BenchmarkPushConsumeDefault(b *testing.B) { pushConsume(b, nil) }

// pushConsume alternates raw and unimq rounds; rawOpts and uniOpts are
// each side's options beyond the group and the start position.
func pushConsume(b *testing.B, rawOpts []consumer.Option, uniOpts ...mq.Option) {
	e := newBenchEnv(b)
	raw := e.rawProducer(b)
	fill := func(topic string, n int) error {
		const batch = 64
		for sent := 0; sent < n; sent += batch {
			msgs := make([]*primitive.Message, min(batch, n-sent))
			for i := range msgs {
				msgs[i] = primitive.NewMessage(topic, body256)
			}
			if _, err := raw.SendSync(context.Background(), msgs...); err != nil {
				return err
			}
		}
		return nil
	}
	waitAll := func(done chan struct{}, got *atomic.Int64, n int) error {
		select {
		case <-done:
			return nil
		case <-time.After(5 * time.Minute):
			return fmt.Errorf("consumed %d of %d", got.Load(), n)
		}
	}
	benchtest.Alternate(b, func(n int) (time.Duration, error) {
		var topic string
		if err := benchtest.Setup(func() error {
			topic = e.topic(b, "bench-consume-raw")
			return fill(topic, n)
		}); err != nil {
			return 0, err
		}
		var got atomic.Int64
		var first atomic.Int64
		done := make(chan struct{})
		pc, err := rmq.NewPushConsumer(append([]consumer.Option{consumer.WithNsResolver(primitive.NewPassthroughResolver(e.ns)),
			consumer.WithGroupName(mqtest.UniqueName("bench-raw")), consumer.WithInstance(mqtest.UniqueName("bench-raw")),
			consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset)}, rawOpts...)...)
		if err != nil {
			return 0, err
		}
		err = pc.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			first.CompareAndSwap(0, time.Now().UnixNano())
			if got.Add(int64(len(msgs))) == int64(n) {
				close(done)
			}
			return consumer.ConsumeSuccess, nil
		})
		if err != nil {
			return 0, err
		}
		defer pc.Shutdown()
		if err := pc.Start(); err != nil {
			return 0, err
		}
		err = waitAll(done, &got, n)
		return time.Since(time.Unix(0, first.Load())), err
	}, func(n int) (time.Duration, error) {
		var topic string
		if err := benchtest.Setup(func() error {
			topic = e.topic(b, "bench-consume-unimq")
			return fill(topic, n)
		}); err != nil {
			return 0, err
		}
		var got atomic.Int64
		var first atomic.Int64
		done := make(chan struct{})
		var s *mq.Subscriber
		defer func() {
			if s != nil {
				_ = s.Close(context.Background())
			}
		}()
		var err error
		s, err = e.client.Subscribe(context.Background(), topic, func(context.Context, *mq.Message) error {
			first.CompareAndSwap(0, time.Now().UnixNano())
			if got.Add(1) == int64(n) {
				close(done)
			}
			return nil
		}, append([]mq.Option{mq.Group(mqtest.UniqueName("bench-unimq")), mq.StartFrom(mq.Oldest)}, uniOpts...)...)
		if err != nil {
			return 0, err
		}
		err = waitAll(done, &got, n)
		return time.Since(time.Unix(0, first.Load())), err
	})
}
