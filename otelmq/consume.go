package otelmq

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
)

// Middleware is the handler middleware: it continues the producer's trace
// from the message's headers with a consumer span "process <topic>" (its
// child, and linked to it), counts the handlers running and measures the
// handler's time. The handler's ctx carries the span: what it publishes
// (on any client instrumented by otelmq) continues the trace. A handler
// error or panic marks the span failed with error.type; a panic goes on
// to the Subscriber, which recovers and logs it.
//
// The consumer group and the backend come from mq.HandlerInfoFrom(ctx).
func (t *Telemetry) Middleware(next mq.Handler) mq.Handler { return t.handler(next, nil) }

// handler is Middleware; system, when not nil, names the backend for a ctx
// without mq.HandlerInfo.
func (t *Telemetry) handler(next mq.Handler, system func() string) mq.Handler {
	return func(ctx context.Context, m *mq.Message) (err error) {
		if t.quiet() {
			return next(ctx, m)
		}
		tr, on := t.tracerFor()
		measured := t.m.processOn(ctx)
		if !on && !measured {
			return next(ctx, m)
		}
		hi, topic := where(ctx, m, system)
		var span trace.Span
		if on {
			ctx, span = t.startProcess(ctx, tr, hi, topic, m)
		}
		k := setKey{op: opProcess, system: hi.Backend, topic: topic, group: hi.Group}
		var set metric.MeasurementOption
		if measured {
			set = t.sets.get(k)
			t.m.active.Add(ctx, 1, set)
		}
		start := time.Now()
		panicked := true
		defer func() {
			if measured {
				t.m.active.Add(ctx, -1, set)
				pset := set
				if err != nil || panicked {
					k.errTy = handlerErrorType(err, panicked)
					pset = t.sets.get(k)
				}
				t.m.process.Record(ctx, time.Since(start).Seconds(), pset)
			}
			if span != nil {
				switch {
				case panicked:
					r := recover()
					span.SetAttributes(semconv.ErrorTypeKey.String("panic"))
					span.SetStatus(codes.Error, fmt.Sprintf("handler panic: %v", r))
					span.End()
					panic(r)
				case err != nil:
					span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
					span.SetStatus(codes.Error, err.Error())
				}
				span.End()
			}
		}()
		err = next(ctx, m)
		panicked = false
		return err
	}
}

// startProcess starts the consumer span "process <topic>" of m: the
// producer's context from m's headers is its parent, and linked to as well.
func (t *Telemetry) startProcess(ctx context.Context, tr trace.Tracer, hi mq.HandlerInfo, topic string, m *mq.Message) (context.Context, trace.Span) {
	skv := message(operation(base(hi.Backend, topic, hi.Group), opProcess, semconv.MessagingOperationTypeProcess), hi.Backend, fieldsOf(m))
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(skv...)}
	if prop := t.propagator(true); prop != nil {
		ctx = prop.Extract(ctx, extractor(m.Headers))
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	return tr.Start(ctx, opProcess+" "+topic, opts...)
}

// Receive is the mq.ReceiveInterceptor of pull consumers: each message
// Consumer.Receive returns gets a consumer span "process <topic>", child of
// (and linked to) the producer's context, from Receive until the message is
// settled (Ack, Nack, AckTimeout, or Close leaving it): the application
// processes it in between, with Message.Context carrying the span. A Nack,
// a timeout or Close marks the span failed with error.type.
func (t *Telemetry) Receive(ctx context.Context, m *mq.Message) (context.Context, func(error)) {
	return t.receive(ctx, m, nil)
}

func (t *Telemetry) receive(ctx context.Context, m *mq.Message, system func() string) (context.Context, func(error)) {
	if t.quiet() {
		return ctx, nil
	}
	tr, on := t.tracerFor()
	if !on {
		return ctx, nil
	}
	hi, topic := where(ctx, m, system)
	ctx, span := t.startProcess(ctx, tr, hi, topic, m)
	return ctx, func(err error) {
		if err != nil {
			span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

func handlerErrorType(err error, panicked bool) string {
	if panicked {
		return "panic"
	}
	return errorType(err)
}

func itoa(p int32) string { return strconv.Itoa(int(p)) }

// where is what a handler's or pulled message's span names: the handler
// info (its backend from system when the ctx has none) and the topic.
func where(ctx context.Context, m *mq.Message, system func() string) (mq.HandlerInfo, string) {
	hi, _ := mq.HandlerInfoFrom(ctx)
	if hi.Backend == "" && system != nil {
		hi.Backend = system()
	}
	if m.Topic != "" {
		return hi, m.Topic
	}
	return hi, hi.Topic
}
