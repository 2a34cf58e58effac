package otelmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/internal/brokertest"
	_ "github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/otelmq/otelmqtest"
	_ "github.com/unimq/unimq/rabbitmq"
)

func openURL(t *testing.T, ctx context.Context, url string, opts ...mq.Option) *mq.Client {
	t.Helper()
	c, err := mq.Open(ctx, url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	return c
}

// One trace crosses brokers: a RabbitMQ handler republishes to Kafka with
// its ctx, and the Kafka handler runs in the trace of the first publish;
// the spans chain send → process → send → process.
func TestTraceAcrossBrokers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := otelmqtest.NewSDK(t)
	rabbit := openURL(t, ctx, brokertest.AMQPURL(t), s.Tel.ClientOptions()...)
	kafka := openURL(t, ctx, brokertest.KafkaURL(t), s.Tel.ClientOptions()...)
	in, out := mqtest.UniqueName("otel-in"), mqtest.UniqueName("otel-out")
	require.NoError(t, rabbit.Declare(ctx, in, "bridge"))
	require.NoError(t, kafka.Declare(ctx, out, "sink"))

	bridge, err := rabbit.Subscribe(ctx, in, func(ctx context.Context, m *mq.Message) error {
		return kafka.Publish(ctx, out, &mq.Message{ID: m.ID + "-copy", Body: m.Body})
	}, mq.Group("bridge"))
	require.NoError(t, err)
	defer bridge.Close(ctx)
	got := make(chan trace.TraceID, 1)
	sink, err := kafka.Subscribe(ctx, out, func(ctx context.Context, m *mq.Message) error {
		got <- trace.SpanContextFromContext(ctx).TraceID()
		return nil
	}, mq.Group("sink"))
	require.NoError(t, err)
	defer sink.Close(ctx)

	pctx, root := s.TP.Tracer("test").Start(ctx, "request")
	require.NoError(t, rabbit.Publish(pctx, in, &mq.Message{ID: "order-1", Body: []byte("x")}))
	root.End()
	select {
	case id := <-got:
		assert.Equal(t, root.SpanContext().TraceID(), id)
	case <-ctx.Done():
		t.Fatal("the copy never reached the Kafka handler")
	}

	// process(kafka) → send(kafka) → process(rabbitmq) → send(rabbitmq) → request
	kproc := s.WaitSpans(t, "process "+out, 1, 10*time.Second)[0]
	ksend := s.WaitSpans(t, "send "+out, 1, 10*time.Second)[0]
	rproc := s.WaitSpans(t, "process "+in, 1, 10*time.Second)[0]
	rsend := s.WaitSpans(t, "send "+in, 1, 10*time.Second)[0]
	assert.Equal(t, ksend.SpanContext().SpanID(), kproc.Parent().SpanID())
	assert.Equal(t, rproc.SpanContext().SpanID(), ksend.Parent().SpanID())
	assert.Equal(t, rsend.SpanContext().SpanID(), rproc.Parent().SpanID())
	assert.Equal(t, root.SpanContext().SpanID(), rsend.Parent().SpanID())
	assert.Equal(t, "kafka", otelmqtest.Attrs(kproc)["messaging.system"].AsString())
	assert.Equal(t, "rabbitmq", otelmqtest.Attrs(rproc)["messaging.system"].AsString())
}
