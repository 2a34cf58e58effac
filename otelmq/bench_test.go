package otelmq_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// publishRound publishes n 256-byte messages on c and returns how long it took.
func publishRound(c *mq.Client) func(n int) (time.Duration, error) {
	body := make([]byte, 256)
	ctx := context.Background()
	return func(n int) (time.Duration, error) {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := c.Publish(ctx, "bench", &mq.Message{Body: body}); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
}

func benchClient(b *testing.B, opts ...mq.Option) *mq.Client {
	c, err := mq.Open(context.Background(), fmt.Sprintf("memory://otelbench-%d-%d?maxbacklog=10000", time.Now().UnixNano(), seq.Add(1)), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// BenchmarkPublishOverhead runs a plain memory client ("raw" in the
// figures) and one instrumented by otelmq ("unimq") in alternating rounds:
// unimq/raw is the instrumented client's rate relative to the plain one,
// unimq-allocs/msg and unimq-B/msg its allocations. no-provider: otelmq
// installed, no OpenTelemetry SDK; sdk: the SDK with in-memory exporters,
// every span sampled.
func BenchmarkPublishOverhead(b *testing.B) {
	b.Run("no-provider", func(b *testing.B) {
		plain := benchClient(b)
		inst := benchClient(b, otelmq.New().ClientOptions()...)
		benchtest.Alternate(b, publishRound(plain), publishRound(inst))
	})
	b.Run("sdk", func(b *testing.B) {
		plain := benchClient(b)
		inst := benchClient(b, benchSDK(b).ClientOptions()...)
		benchtest.Alternate(b, publishRound(plain), publishRound(inst))
	})
}

// benchSDK is the SDK sampling every span and dropping it (no exporter),
// with metrics aggregated by a reader never collected: the cost of the
// instrumentation, not of an exporter.
func benchSDK(b *testing.B) *otelmq.Telemetry {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return otelmq.New(otelmq.WithTracerProvider(tp), otelmq.WithMeterProvider(mp))
}

// handleRound publishes n messages to a subscriber of c and returns when
// the handler has seen them all.
func handleRound(b *testing.B, c *mq.Client) func(n int) (time.Duration, error) {
	ctx := context.Background()
	got := make(chan struct{}, 1024)
	sub, err := c.Subscribe(ctx, "bench-e2e", func(context.Context, *mq.Message) error {
		got <- struct{}{}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sub.Close(ctx) })
	body := make([]byte, 256)
	return func(n int) (time.Duration, error) {
		start := time.Now()
		go func() {
			for i := 0; i < n; i++ {
				if err := c.Publish(ctx, "bench-e2e", &mq.Message{Body: body}); err != nil {
					panic(err)
				}
			}
		}()
		for i := 0; i < n; i++ {
			<-got
		}
		return time.Since(start), nil
	}
}

// BenchmarkEndToEndOverhead is BenchmarkPublishOverhead for publish →
// handler → ack through one Subscriber.
func BenchmarkEndToEndOverhead(b *testing.B) {
	b.Run("empty-hook-and-middleware", func(b *testing.B) {
		// What any Hook and middleware cost in mq, otelmq or not.
		plain := benchClient(b)
		inst := benchClient(b, mq.WithHook(func(context.Context, mq.Event) {}),
			mq.WithMiddleware(func(h mq.Handler) mq.Handler { return h }))
		benchtest.Alternate(b, handleRound(b, plain), handleRound(b, inst))
	})
	b.Run("no-provider", func(b *testing.B) {
		plain := benchClient(b)
		inst := benchClient(b, otelmq.New().ClientOptions()...)
		benchtest.Alternate(b, handleRound(b, plain), handleRound(b, inst))
	})
	b.Run("sdk", func(b *testing.B) {
		plain := benchClient(b)
		inst := benchClient(b, benchSDK(b).ClientOptions()...)
		benchtest.Alternate(b, handleRound(b, plain), handleRound(b, inst))
	})
}

// Without a provider, an instrumented publish allocates what a plain one
// does.
func TestNoProviderPublishAllocatesNothingMore(t *testing.T) {
	ctx := context.Background()
	plain := openMemory(t, mq.MaxMessageSize(1<<20))
	inst := openMemory(t, otelmq.New().ClientOptions()...)
	body := make([]byte, 256)
	m := &mq.Message{Body: body}
	allocs := func(c *mq.Client) float64 {
		return testing.AllocsPerRun(200, func() {
			if err := c.Publish(ctx, "allocs", m); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, allocs(plain), allocs(inst))
}

// BenchmarkPublishNoProvider is one instrumented publish without a
// provider, for profiling.
func BenchmarkPublishNoProvider(b *testing.B) {
	c := benchClient(b, otelmq.New().ClientOptions()...)
	round := publishRound(c)
	b.ReportAllocs()
	if _, err := round(b.N); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEndToEndNoProvider is one instrumented publish → handler → ack
// without a provider, for profiling.
func BenchmarkEndToEndNoProvider(b *testing.B) {
	c := benchClient(b, otelmq.New().ClientOptions()...)
	round := handleRound(b, c)
	b.ReportAllocs()
	if _, err := round(b.N); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPublishSDK is one instrumented publish with the SDK, for
// profiling.
func BenchmarkPublishSDK(b *testing.B) {
	c := benchClient(b, benchSDK(b).ClientOptions()...)
	round := publishRound(c)
	b.ReportAllocs()
	if _, err := round(b.N); err != nil {
		b.Fatal(err)
	}
}
