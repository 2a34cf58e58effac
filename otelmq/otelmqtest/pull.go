package otelmqtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// runBacklog: the backlog gauge reports what waits for a pull consumer's
// group (all of it, or all but the one message RabbitMQ has handed to the
// consumer already: its count is of ready messages), then 0 once acked.
func runBacklog(t *testing.T, h Harness, wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	s := NewSDK(t, otelmq.WithBacklogInterval(0))
	c := h.Open(t, s.Tel.ClientOptions()...)
	topic := h.Topic(t)
	const group, n = "otel-backlog", 6
	require.NoError(t, c.Declare(ctx, topic, group))
	k, err := c.NewConsumer(ctx, topic, mq.Group(group), mq.Prefetch(1))
	require.NoError(t, err)
	defer k.Close(ctx)
	sys, dest, grp := semconv.MessagingSystemKey.String(h.Backend), semconv.MessagingDestinationName(topic), semconv.MessagingConsumerGroupName(group)
	s.WaitGauge(t, otelmq.MetricBacklog, wait, func(v int64) bool { return v == 0 }, sys, dest, grp)
	for i := 0; i < n; i++ {
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: "b" + string(rune('0'+i))}))
	}
	got := s.WaitGauge(t, otelmq.MetricBacklog, wait, func(v int64) bool { return v == n || v == n-1 }, sys, dest, grp)
	t.Logf("backlog gauge after %d publishes: %d", n, got)
	for acked := 0; acked < n; {
		ms, err := k.Receive(ctx, n, wait)
		require.NoError(t, err)
		require.NotEmpty(t, ms, "nothing received within %v", wait)
		require.NoError(t, k.Ack(ctx, ms...))
		acked += len(ms)
	}
	s.WaitGauge(t, otelmq.MetricBacklog, wait, func(v int64) bool { return v == 0 }, sys, dest, grp)
	require.NoError(t, k.Close(ctx))
	assert.Empty(t, s.Gauge(t, otelmq.MetricBacklog, dest), "a closed consumer's group is no longer reported")
}

// runPull: a pulled message gets a process span from Receive to its
// settlement, child of the producer's span, and Message.Context carries it.
func runPull(t *testing.T, h Harness, wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	s := NewSDK(t)
	c := h.Open(t, s.Tel.ClientOptions()...)
	topic := h.Topic(t)
	const group = "otel-pull"
	require.NoError(t, c.Declare(ctx, topic, group))
	k, err := c.NewConsumer(ctx, topic, mq.Group(group), mq.WithBackoff(mq.ConstantBackoff(50*time.Millisecond)))
	require.NoError(t, err)
	defer k.Close(ctx)
	pctx, span := s.TP.Tracer("otelmqtest").Start(ctx, "test pull")
	require.NoError(t, c.Publish(pctx, topic, &mq.Message{ID: "pulled", Body: []byte("abc")}))
	span.End()
	publisher := span.SpanContext().TraceID()

	receive := func() *mq.Message {
		t.Helper()
		ms, err := k.Receive(ctx, 1, wait)
		require.NoError(t, err)
		require.Len(t, ms, 1)
		return ms[0]
	}
	m := receive()
	sc := trace.SpanContextFromContext(m.Context())
	require.True(t, sc.IsValid(), "Message.Context carries the process span")
	assert.Equal(t, publisher, sc.TraceID(), "in the publisher's trace")
	assert.Empty(t, s.Ended("process "+topic), "the span lasts until the message is settled")
	require.NoError(t, m.Nack(m.Context(), errors.New("not yet")))
	m = receive()
	require.NoError(t, m.Ack(m.Context()))

	procs := s.WaitSpans(t, "process "+topic, 2, wait)
	sends := s.WaitSpans(t, "send "+topic, 1, wait)
	for i, sp := range procs {
		a := Attrs(sp)
		assert.Equal(t, trace.SpanKindConsumer, sp.SpanKind())
		assert.Equal(t, sends[0].SpanContext().SpanID(), sp.Parent().SpanID(), "child of the send span")
		require.Len(t, sp.Links(), 1)
		assert.Equal(t, h.Backend, a[semconv.MessagingSystemKey].AsString())
		assert.Equal(t, group, a[semconv.MessagingConsumerGroupNameKey].AsString())
		assert.Equal(t, "pulled", a[semconv.MessagingMessageIDKey].AsString())
		assert.Equal(t, int64(i+1), a["unimq.message.attempt"].AsInt64())
	}
	assert.Equal(t, codes.Error, procs[0].Status().Code, "the nacked attempt")
	assert.Equal(t, codes.Unset, procs[1].Status().Code, "the acked attempt")
	nack := s.WaitSpans(t, "nack "+topic, 1, wait)[0]
	assert.Equal(t, procs[0].SpanContext().SpanID(), nack.Parent().SpanID(), "the settle span is a child of the process span whose ctx Nack got")
}
