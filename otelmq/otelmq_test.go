package otelmq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
	"github.com/unimq/unimq/otelmq/otelmqtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"))
}

var seq atomic.Int64

func openMemory(t testing.TB, opts ...mq.Option) *mq.Client {
	t.Helper()
	c, err := mq.Open(context.Background(), fmt.Sprintf("memory://otelmq-%d-%d", time.Now().UnixNano(), seq.Add(1)), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// receiveOne publishes m on a fresh topic of c and returns it as received.
func receiveOne(t *testing.T, c *mq.Client, m *mq.Message) *mq.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	k, err := c.NewConsumer(ctx, "t", mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	defer k.Close(ctx)
	require.NoError(t, c.Publish(ctx, "t", m))
	msgs, err := k.Receive(ctx, 1, 5*time.Second)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	return msgs[0]
}

// Without providers (the globals untouched; this test binary never sets
// them) nothing is written into the message.
func TestNoProviderWritesNothing(t *testing.T) {
	c := openMemory(t, otelmq.New().ClientOptions()...)
	got := receiveOne(t, c, &mq.Message{ID: "a", Headers: map[string]string{"x": "1"}})
	assert.Equal(t, map[string]string{"x": "1"}, got.Headers)
}

// A noop tracer provider is no provider.
func TestNoopProviderWritesNothing(t *testing.T) {
	c := openMemory(t, otelmq.New(otelmq.WithTracerProvider(tracenoop.NewTracerProvider())).ClientOptions()...)
	got := receiveOne(t, c, &mq.Message{ID: "a"})
	assert.Empty(t, got.Headers)
}

// The interceptor writes into a copy of the caller's headers: a map shared
// by several messages is left alone.
func TestInjectCopiesHeaders(t *testing.T) {
	s := otelmqtest.NewSDK(t)
	c := openMemory(t, s.Tel.ClientOptions()...)
	shared := map[string]string{"x": "1"}
	got := receiveOne(t, c, &mq.Message{ID: "a", Headers: shared})
	assert.Equal(t, map[string]string{"x": "1"}, shared)
	assert.Equal(t, "1", got.Header("x"))
	assert.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`, got.Header("traceparent"))
}

// The middleware takes the group and backend from mq.HandlerInfo, marks a
// failed handler's span, and lets a panic go on after ending the span.
func TestMiddlewareHandlerInfoErrorAndPanic(t *testing.T) {
	s := otelmqtest.NewSDK(t)
	ctx := mq.ContextWithHandlerInfo(context.Background(), mq.HandlerInfo{Topic: "orders", Group: "billing", Backend: "kafka"})
	m := &mq.Message{ID: "m1", Topic: "orders", Key: "k", Partition: 3, Offset: 42, Attempt: 2, Body: []byte("abc")}

	boom := errors.New("boom")
	h := s.Tel.Middleware(func(context.Context, *mq.Message) error { return boom })
	require.ErrorIs(t, h(ctx, m), boom)
	sp := s.WaitSpans(t, "process orders", 1, time.Second)[0]
	a := otelmqtest.Attrs(sp)
	assert.Equal(t, "kafka", a[semconv.MessagingSystemKey].AsString())
	assert.Equal(t, "billing", a[semconv.MessagingConsumerGroupNameKey].AsString())
	assert.Equal(t, "3", a[semconv.MessagingDestinationPartitionIDKey].AsString())
	assert.Equal(t, int64(42), a[semconv.MessagingKafkaOffsetKey].AsInt64())
	assert.Equal(t, "k", a[semconv.MessagingKafkaMessageKeyKey].AsString())
	assert.Equal(t, int64(2), a["unimq.message.attempt"].AsInt64())
	assert.Equal(t, "*errors.errorString", a[semconv.ErrorTypeKey].AsString())
	assert.Equal(t, codes.Error, sp.Status().Code)
	assert.Empty(t, sp.Links(), "no producer context in the headers: no link")

	p := s.Tel.Middleware(func(context.Context, *mq.Message) error { panic("bad input") })
	assert.PanicsWithValue(t, "bad input", func() { _ = p(ctx, m) })
	sps := s.WaitSpans(t, "process orders", 2, time.Second)
	assert.Equal(t, "panic", otelmqtest.Attrs(sps[1])[semconv.ErrorTypeKey].AsString())
	assert.Equal(t, int64(0), s.Sum(t, otelmq.MetricHandlersActive), "the panicking handler is not counted as running")
	assert.Equal(t, uint64(1), s.Count(t, otelmq.MetricProcessDuration, semconv.ErrorTypeKey.String("panic")))
}

// LogHandler adds the trace and span ids of the ctx's span.
func TestLogHandler(t *testing.T) {
	s := otelmqtest.NewSDK(t)
	var buf bytes.Buffer
	log := slog.New(otelmq.LogHandler(slog.NewJSONHandler(&buf, nil)).WithAttrs([]slog.Attr{slog.String("svc", "x")}))
	log.InfoContext(context.Background(), "no span")
	assert.NotContains(t, buf.String(), "trace_id")
	ctx, span := s.TP.Tracer("t").Start(context.Background(), "op")
	log.InfoContext(ctx, "in span")
	span.End()
	assert.Contains(t, buf.String(), `"trace_id":"`+span.SpanContext().TraceID().String()+`"`)
	assert.Contains(t, buf.String(), `"span_id":"`+span.SpanContext().SpanID().String()+`"`)
	assert.Contains(t, buf.String(), `"svc":"x"`)
}

// A handler that logs with its ctx logs the producer's trace id.
func TestHandlerLogCarriesTraceID(t *testing.T) {
	s := otelmqtest.NewSDK(t)
	var buf bytes.Buffer
	log := slog.New(otelmq.LogHandler(slog.NewJSONHandler(&buf, nil)))
	c := openMemory(t, append(s.Tel.ClientOptions(), mq.WithLogger(log))...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	sub, err := c.Subscribe(ctx, "logged", func(ctx context.Context, m *mq.Message) error {
		log.InfoContext(ctx, "handled")
		close(done)
		return nil
	})
	require.NoError(t, err)
	defer sub.Close(ctx)
	pctx, span := s.TP.Tracer("t").Start(ctx, "request")
	require.NoError(t, c.Publish(pctx, "logged", &mq.Message{ID: "x"}))
	span.End()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("not handled")
	}
	assert.Contains(t, buf.String(), `"trace_id":"`+span.SpanContext().TraceID().String()+`"`)
}

// The backlog gauge asks the broker at most once per interval for each
// subscribed group, reports nothing for broadcast subscribers, and forgets
// a group once its consumers closed.
func TestBacklogGaugeInterval(t *testing.T) {
	ctx := context.Background()
	s := otelmqtest.NewSDK(t, otelmq.WithBacklogInterval(time.Hour))
	c := openMemory(t, s.Tel.ClientOptions()...)
	require.NoError(t, c.Declare(ctx, "gauge", "g"))
	k, err := c.NewConsumer(ctx, "gauge", mq.Group("g"))
	require.NoError(t, err)
	b, err := c.Subscribe(ctx, "gauge", func(context.Context, *mq.Message) error { return nil }, mq.Broadcast())
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "gauge", &mq.Message{ID: "1"}))
	grp := semconv.MessagingConsumerGroupName("g")
	assert.Equal(t, []int64{1}, s.Gauge(t, otelmq.MetricBacklog, semconv.MessagingDestinationName("gauge")), "one point: the group's")
	require.NoError(t, c.Publish(ctx, "gauge", &mq.Message{ID: "2"}))
	assert.Equal(t, []int64{1}, s.Gauge(t, otelmq.MetricBacklog, grp), "within the interval: the cached answer")
	require.NoError(t, k.Close(ctx))
	require.NoError(t, b.Close(ctx))
	assert.Empty(t, s.Gauge(t, otelmq.MetricBacklog, grp))
}

// A negative interval turns the gauge off.
func TestBacklogGaugeOff(t *testing.T) {
	ctx := context.Background()
	s := otelmqtest.NewSDK(t, otelmq.WithBacklogInterval(-1))
	c := openMemory(t, s.Tel.ClientOptions()...)
	k, err := c.NewConsumer(ctx, "gauge-off", mq.Group("g"))
	require.NoError(t, err)
	defer k.Close(ctx)
	require.NoError(t, c.Publish(ctx, "gauge-off", &mq.Message{ID: "1"}))
	_, ok := s.Metrics(t)[otelmq.MetricBacklog]
	assert.False(t, ok)
}
