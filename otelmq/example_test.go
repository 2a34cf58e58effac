package otelmq_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// A client instrumented with an SDK: the handler runs in the publisher's
// trace, and the message carries the W3C traceparent header.
func Example() {
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider() // add your exporter: sdktrace.WithBatcher(exp)
	mp := sdkmetric.NewMeterProvider() // add your reader: sdkmetric.WithReader(r)
	defer tp.Shutdown(ctx)
	defer mp.Shutdown(ctx)

	tel := otelmq.New(otelmq.WithTracerProvider(tp), otelmq.WithMeterProvider(mp))
	log := slog.New(otelmq.LogHandler(slog.NewJSONHandler(os.Stderr, nil)))
	c, err := mq.Open(ctx, "memory://otelmq-example", append(tel.ClientOptions(), mq.WithLogger(log))...)
	if err != nil {
		panic(err)
	}
	defer c.Close(ctx)

	same := make(chan bool, 1)
	pctx, span := tp.Tracer("app").Start(ctx, "HTTP POST /orders")
	sub, err := c.Subscribe(ctx, "orders", func(ctx context.Context, m *mq.Message) error {
		log.InfoContext(ctx, "handling", "id", m.ID) // carries trace_id and span_id
		same <- m.Header("traceparent") != "" && spanTrace(ctx) == span.SpanContext().TraceID().String()
		return nil
	})
	if err != nil {
		panic(err)
	}
	defer sub.Close(ctx)
	if err := c.Publish(pctx, "orders", &mq.Message{ID: "order-1", Body: []byte("{}")}); err != nil {
		panic(err)
	}
	span.End()
	select {
	case ok := <-same:
		fmt.Println("handler in the request's trace:", ok)
	case <-time.After(5 * time.Second):
		fmt.Println("not delivered")
	}
	// Output: handler in the request's trace: true
}

func spanTrace(ctx context.Context) string {
	return trace.SpanContextFromContext(ctx).TraceID().String()
}
