package otelmq

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
)

// sendSpanKey marks a ctx whose span the interceptor started, for the hook
// to end (a caller's own span in the ctx is never ended here).
type sendSpanKey struct{}

// modeKey is the unimq publish mode of a send span (sync, batch, async,
// one-way, tx).
const modeKey = attribute.Key("unimq.publish.mode")

// Intercept is the mq.PublishInterceptor: it starts the producer span and
// injects its context into the headers of p's messages. Without a tracer
// provider it injects the caller's context, if the propagator is set, and
// otherwise returns ctx untouched.
func (t *Telemetry) Intercept(ctx context.Context, p mq.PublishInfo) context.Context {
	if t.quiet() {
		return ctx
	}
	tr, on := t.tracerFor()
	prop := t.propagator(on)
	if !on && prop == nil {
		return ctx
	}
	if on {
		kv := operation(base(p.Backend, p.Topic, ""), opSend, semconv.MessagingOperationTypeSend)
		kv = append(kv, modeKey.String(p.Mode.String()))
		if len(p.Messages) == 1 {
			kv = message(kv, p.Backend, fieldsOf(p.Messages[0]))
		} else {
			kv = append(kv, semconv.MessagingBatchMessageCount(len(p.Messages)))
		}
		var span trace.Span
		ctx, span = tr.Start(ctx, opSend+" "+p.Topic, trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(kv...))
		ctx = context.WithValue(ctx, sendSpanKey{}, span)
		t.sends.Add(1)
	}
	if prop != nil {
		for _, m := range p.Messages {
			prop.Inject(ctx, &injector{m: m})
		}
	}
	return ctx
}

// published ends the send span of e (when the interceptor started one) and
// records the publish metrics.
func (t *Telemetry) published(ctx context.Context, e *mq.Event) {
	if span, ok := ctx.Value(sendSpanKey{}).(trace.Span); ok {
		if e.Err == nil {
			if e.Count == 1 {
				var buf [3]attribute.KeyValue
				kv := buf[:0]
				if e.Partition >= 0 {
					kv = append(kv, semconv.MessagingDestinationPartitionID(itoa(e.Partition)))
				}
				if e.Offset >= 0 && e.Backend == "kafka" {
					kv = append(kv, semconv.MessagingKafkaOffset(int(e.Offset)))
				}
				if e.ID == "" && e.BrokerID != "" {
					kv = append(kv, semconv.MessagingMessageID(e.BrokerID))
				}
				if len(kv) > 0 {
					span.SetAttributes(kv...)
				}
			}
		} else {
			span.SetAttributes(semconv.ErrorTypeKey.String(errorType(e.Err)))
			span.SetStatus(codes.Error, e.Err.Error())
		}
		span.End()
		t.sends.Add(-1)
	}
	if !t.m.publishOn(ctx) {
		return
	}
	k := setKey{op: opSend, system: e.Backend, topic: e.Topic}
	if e.Err != nil {
		k.errTy = errorType(e.Err)
	}
	set := t.sets.get(k)
	t.m.opDuration.Record(ctx, e.Duration.Seconds(), set)
	t.m.sent.Add(ctx, int64(e.Count), set)
}
