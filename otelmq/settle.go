package otelmq

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
)

// Span event names and their attributes.
const (
	EventRetry      = "retry"
	EventDeadLetter = "dead_letter"
	reasonKey       = attribute.Key("unimq.reason")
)

// Hook is the mq.Hook: it ends send spans, records the metrics, and turns
// retries and dead letters into settle spans with an event.
func (t *Telemetry) Hook(ctx context.Context, e mq.Event) {
	if t.sends.Load() == 0 && t.quiet() {
		return // no send span to end, nothing to record
	}
	switch e.Kind {
	case mq.EventPublished:
		t.published(ctx, &e)
	case mq.EventAcked, mq.EventRetried, mq.EventDeadLettered:
		t.settled(ctx, &e)
	}
}

// settled records a delivery's settlement: consumed (and retried or
// dead-lettered) counts, and for retries and dead letters a settle span.
//
// The settle span's parent is the span in ctx when there is one (the
// handler's, once the engine gives hooks the handler's ctx), else the
// producer's context from the message's headers: either way it is in the
// message's trace.
func (t *Telemetry) settled(ctx context.Context, e *mq.Event) {
	if e.Kind != mq.EventAcked {
		t.settleSpan(ctx, e)
	}
	if !t.m.settleOn(ctx) {
		return
	}
	k := setKey{op: opProcess, system: e.Backend, topic: e.Topic, group: e.Group}
	if e.Err != nil {
		k.errTy = errorType(e.Err)
	}
	set := t.sets.get(k)
	t.m.consumed.Add(ctx, 1, set)
	switch e.Kind {
	case mq.EventRetried:
		t.m.retries.Add(ctx, 1, set)
	case mq.EventDeadLettered:
		t.m.deadLetters.Add(ctx, 1, set)
	}
}

func (t *Telemetry) settleSpan(ctx context.Context, e *mq.Event) {
	tr, on := t.tracerFor()
	if !on {
		return
	}
	op, event := opNack, EventRetry
	if e.Kind == mq.EventDeadLettered {
		op, event = opDeadLetter, EventDeadLetter
	}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		if prop := t.propagator(true); prop != nil {
			ctx = prop.Extract(ctx, extractor(e.Headers))
		}
	}
	kv := message(operation(base(e.Backend, e.Topic, e.Group), op, semconv.MessagingOperationTypeSettle), e.Backend, fieldsOfEvent(e))
	ekv := []attribute.KeyValue{attemptKey.Int(e.Attempt)}
	if e.Err != nil {
		kv = append(kv, semconv.ErrorTypeKey.String(errorType(e.Err)))
		ekv = append(ekv, reasonKey.String(e.Err.Error()), semconv.ErrorTypeKey.String(errorType(e.Err)))
	} else {
		ekv = append(ekv, reasonKey.String("nacked"))
	}
	_, span := tr.Start(ctx, op+" "+e.Topic, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(kv...))
	span.AddEvent(event, trace.WithAttributes(ekv...))
	if e.Kind == mq.EventDeadLettered {
		span.SetStatus(codes.Error, "dead-lettered")
	}
	span.End()
}
