package otelmqtest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// Harness is what Run needs of a backend.
type Harness struct {
	// Backend is Capabilities().Backend, the expected messaging.system.
	Backend string
	// Open opens a client with opts; the test closes it.
	Open func(t *testing.T, opts ...mq.Option) *mq.Client
	// Topic returns a new topic name; Run declares it.
	Topic func(t *testing.T) string
	// Raw, when set, is called once topic is declared and before anything
	// is published; it returns a reader giving the headers of a confirmed
	// message as a plain client of the broker sees them on the wire.
	Raw func(ctx context.Context, t *testing.T, c *mq.Client, topic string) func(m *mq.Message) map[string]string
	// Wait bounds each wait for deliveries (default 30 s).
	Wait time.Duration
}

// delivery is what a handler saw of one delivery.
type delivery struct {
	trace       trace.TraceID
	attempt     int
	traceparent string
}

// Run publishes on every publish mode the backend has, each under a span of
// its own, and consumes with one retry and one dead letter. It checks: the
// traceparent header as a plain client reads it; every handler call in the
// publisher's trace; producer, consumer and settle spans with the messaging
// attributes; a "retry" and a "dead_letter" span event with the reason; and
// the metrics. Then, as subtests, the backlog gauge of a pull consumer's
// group (Backlog) and the process spans of pulled messages (Pull).
func Run(t *testing.T, h Harness) {
	wait := h.Wait
	if wait == 0 {
		wait = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute+4*wait)
	defer cancel()
	s := NewSDK(t)
	c := h.Open(t, s.Tel.ClientOptions()...)
	require.Equal(t, h.Backend, c.Capabilities().Backend)
	topic := h.Topic(t)
	const group = "otel"
	require.NoError(t, c.Declare(ctx, topic, group))
	var raw func(*mq.Message) map[string]string
	if h.Raw != nil {
		raw = h.Raw(ctx, t, c, topic)
	}

	var mu sync.Mutex
	seen := map[string][]delivery{}
	handler := func(ctx context.Context, m *mq.Message) error {
		mu.Lock()
		seen[m.ID] = append(seen[m.ID], delivery{trace.SpanContextFromContext(ctx).TraceID(), m.Attempt, m.Header("traceparent")})
		mu.Unlock()
		switch {
		case m.ID == "retry" && m.Attempt == 1:
			return errors.New("first attempt fails")
		case m.ID == "dead":
			return mq.NoRetry(errors.New("refused for good"))
		}
		return nil
	}
	sub, err := c.Subscribe(ctx, topic, handler, mq.Group(group), mq.MaxAttempts(3), mq.WithBackoff(mq.ConstantBackoff(100*time.Millisecond)))
	require.NoError(t, err)
	defer sub.Close(ctx)

	tracer := s.TP.Tracer("otelmqtest")
	want := map[string]trace.TraceID{}
	publish := func(f func(ctx context.Context) error, ids ...string) {
		t.Helper()
		pctx, span := tracer.Start(ctx, "test "+ids[0])
		err := f(pctx)
		span.End()
		require.NoError(t, err, "publish %v", ids)
		for _, id := range ids {
			want[id] = span.SpanContext().TraceID()
		}
	}
	caps := c.Capabilities()
	syncMsg := &mq.Message{ID: "sync", Key: "key-1", Tag: "tag-a", Body: []byte("sync body")}
	publish(func(ctx context.Context) error { return c.Publish(ctx, topic, syncMsg) }, "sync")
	publishes, messages := 1, 1
	if caps.Has(mq.CapAsyncPublish) {
		publish(func(ctx context.Context) error {
			return c.PublishFuture(ctx, topic, &mq.Message{ID: "async", Key: "key-2"}).Wait(ctx)
		}, "async")
		publishes, messages = publishes+1, messages+1
	}
	if caps.Has(mq.CapOneWay) {
		publish(func(ctx context.Context) error { return c.PublishOneWay(ctx, topic, &mq.Message{ID: "one-way"}) }, "one-way")
		publishes, messages = publishes+1, messages+1
	}
	publish(func(ctx context.Context) error {
		return c.PublishBatch(ctx, topic, []*mq.Message{{ID: "batch-1"}, {ID: "batch-2"}})
	}, "batch-1", "batch-2")
	publishes, messages = publishes+1, messages+2
	if caps.Has(mq.CapTransactions) {
		publish(func(ctx context.Context) error {
			return c.PublishTx(ctx, topic, []*mq.Message{{ID: "tx"}}, func(context.Context) error { return nil })
		}, "tx")
		publishes, messages = publishes+1, messages+1
	}
	publish(func(ctx context.Context) error { return c.Publish(ctx, topic, &mq.Message{ID: "retry"}) }, "retry")
	publish(func(ctx context.Context) error { return c.Publish(ctx, topic, &mq.Message{ID: "dead"}) }, "dead")
	publishes, messages = publishes+2, messages+2

	// The header on the wire, as the broker's own client reads it.
	if raw != nil {
		hdr := raw(syncMsg)
		tp := hdr["traceparent"]
		require.NotEmpty(t, tp, "traceparent on the wire; headers: %v", hdr)
		assert.Contains(t, tp, want["sync"].String(), "the wire's traceparent is in the publisher's trace")
	}

	// Every handler call is in its publisher's trace.
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for id := range want {
			if len(seen[id]) == 0 {
				return false
			}
		}
		return len(seen["retry"]) >= 2
	}
	deadline := time.Now().Add(2 * wait)
	for !done() {
		require.False(t, time.Now().After(deadline), "deliveries after %v: %v", 2*wait, ids(&mu, seen))
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
	mu.Lock()
	deliveries := 0
	for id, ds := range seen {
		for _, d := range ds {
			deliveries++
			assert.Equal(t, want[id], d.trace, "handler of %s (attempt %d) in the publisher's trace", id, d.attempt)
			assert.Contains(t, d.traceparent, want[id].String(), "traceparent of %s", id)
		}
	}
	mu.Unlock()

	// Producer spans.
	sends := s.WaitSpans(t, "send "+topic, publishes, wait)
	sendIDs := map[trace.SpanID]bool{}
	for _, sp := range sends {
		a := Attrs(sp)
		assert.Equal(t, trace.SpanKindProducer, sp.SpanKind())
		assert.Equal(t, h.Backend, a[semconv.MessagingSystemKey].AsString())
		assert.Equal(t, topic, a[semconv.MessagingDestinationNameKey].AsString())
		assert.Equal(t, "send", a[semconv.MessagingOperationTypeKey].AsString())
		sendIDs[sp.SpanContext().SpanID()] = true
	}

	// Consumer spans: children of, and linked to, a producer span.
	procs := s.WaitSpans(t, "process "+topic, deliveries, wait)
	var syncProc sdktrace.ReadOnlySpan
	for _, sp := range procs {
		assert.Equal(t, trace.SpanKindConsumer, sp.SpanKind())
		assert.True(t, sendIDs[sp.Parent().SpanID()], "process span %v has a send span as parent", Attrs(sp)[semconv.MessagingMessageIDKey])
		require.Len(t, sp.Links(), 1)
		assert.Equal(t, sp.Parent().SpanID(), sp.Links()[0].SpanContext.SpanID())
		if Attrs(sp)[semconv.MessagingMessageIDKey].AsString() == "sync" {
			syncProc = sp
		}
	}
	require.NotNil(t, syncProc, "a process span for message sync")
	pa := Attrs(syncProc)
	assert.Equal(t, h.Backend, pa[semconv.MessagingSystemKey].AsString())
	assert.Equal(t, topic, pa[semconv.MessagingDestinationNameKey].AsString())
	assert.Equal(t, int64(len("sync body")), pa[semconv.MessagingMessageBodySizeKey].AsInt64())
	if g, ok := pa[semconv.MessagingConsumerGroupNameKey]; ok {
		assert.Equal(t, group, g.AsString())
	}
	switch h.Backend {
	case "kafka":
		assert.Equal(t, "key-1", pa[semconv.MessagingKafkaMessageKeyKey].AsString())
		assert.Equal(t, syncMsg.Offset, pa[semconv.MessagingKafkaOffsetKey].AsInt64())
		assert.Contains(t, pa, semconv.MessagingDestinationPartitionIDKey)
	case "rabbitmq":
		assert.Equal(t, "tag-a", pa[semconv.MessagingRabbitMQDestinationRoutingKeyKey].AsString())
	case "rocketmq":
		assert.Equal(t, "tag-a", pa[semconv.MessagingRocketMQMessageTagKey].AsString())
		assert.Equal(t, []string{"key-1"}, pa[semconv.MessagingRocketMQMessageKeysKey].AsStringSlice())
		assert.Contains(t, pa, semconv.MessagingDestinationPartitionIDKey)
	}

	// Retries and dead letters: settle spans in the message's trace, with
	// an event carrying the reason.
	nack := s.WaitSpans(t, "nack "+topic, 1, wait)[0]
	assert.Equal(t, want["retry"], nack.SpanContext().TraceID())
	assertEvent(t, nack, otelmq.EventRetry, "first attempt fails", group)
	dead := s.WaitSpans(t, "dead_letter "+topic, 1, wait)[0]
	assert.Equal(t, want["dead"], dead.SpanContext().TraceID())
	assertEvent(t, dead, otelmq.EventDeadLetter, "refused for good", group)

	// Metrics.
	sys := semconv.MessagingSystemKey.String(h.Backend)
	dest := semconv.MessagingDestinationName(topic)
	grp := semconv.MessagingConsumerGroupName(group)
	s.WaitSum(t, otelmq.MetricConsumedMessages, int64(deliveries), wait, sys, dest, grp)
	assert.Equal(t, int64(messages), s.Sum(t, otelmq.MetricSentMessages, sys, dest))
	assert.Equal(t, uint64(publishes), s.Count(t, otelmq.MetricOperationDuration, sys, dest))
	assert.Equal(t, int64(1), s.Sum(t, otelmq.MetricRetries, sys, dest, grp))
	assert.Equal(t, int64(1), s.Sum(t, otelmq.MetricDeadLetters, sys, dest, grp))
	assert.GreaterOrEqual(t, s.Count(t, otelmq.MetricProcessDuration, sys, dest), uint64(deliveries))
	assert.Equal(t, uint64(2), s.Count(t, otelmq.MetricProcessDuration, sys, dest, semconv.ErrorTypeKey.String("*errors.errorString")),
		"the failed attempt of retry and the refused dead")
	require.NoError(t, sub.Close(ctx))
	assert.Equal(t, int64(0), s.Sum(t, otelmq.MetricHandlersActive, sys), "no handler running after Close")

	t.Run("Backlog", func(t *testing.T) { runBacklog(t, h, wait) })
	t.Run("Pull", func(t *testing.T) { runPull(t, h, wait) })
}

func assertEvent(t *testing.T, sp sdktrace.ReadOnlySpan, name, reason, group string) {
	t.Helper()
	assert.Equal(t, trace.SpanKindClient, sp.SpanKind())
	assert.Equal(t, "settle", Attrs(sp)[semconv.MessagingOperationTypeKey].AsString())
	assert.Equal(t, group, Attrs(sp)[semconv.MessagingConsumerGroupNameKey].AsString())
	for _, ev := range sp.Events() {
		if ev.Name != name {
			continue
		}
		for _, kv := range ev.Attributes {
			if kv.Key == attribute.Key("unimq.reason") {
				assert.Contains(t, kv.Value.AsString(), reason)
				return
			}
		}
	}
	t.Errorf("span %s has no event %q with reason %q: %v", sp.Name(), name, reason, sp.Events())
}

func ids(mu *sync.Mutex, seen map[string][]delivery) string {
	mu.Lock()
	defer mu.Unlock()
	var b strings.Builder
	for id, ds := range seen {
		b.WriteString(id)
		b.WriteString("×")
		b.WriteString(string(rune('0' + len(ds))))
		b.WriteString(" ")
	}
	return b.String()
}
