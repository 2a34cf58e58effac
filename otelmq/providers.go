package otelmq

import (
	"reflect"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// delegator is what the global propagator is until one is installed: an
// installed one replaces it in otel.GetTextMapPropagator.
type delegator interface {
	SetDelegate(propagation.TextMapPropagator)
}

// globalDefault is the type of the global tracer provider until one is
// installed (otel.SetTracerProvider replaces it in otel.GetTracerProvider).
const globalDefault = "*global.tracerProvider"

// tracerFor returns the tracer to use now, or false when tracing is off:
// no provider installed, or a noop one.
func (t *Telemetry) tracerFor() (trace.Tracer, bool) {
	tp := t.tp
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if e := t.tracer.Load(); e != nil && e.comparable && e.tp == tp {
		return e.tracer, e.tracer != nil
	}
	typ := reflect.TypeOf(tp)
	e := &tracerEntry{tp: tp, comparable: typ.Comparable()}
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
	default:
		if typ.String() != globalDefault {
			e.tracer = tp.Tracer(ScopeName)
		}
	}
	t.tracer.Store(e)
	return e.tracer, e.tracer != nil
}

// w3c is the propagator used while the global one is untouched.
var w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// propagator returns the propagator to use, nil for none: the configured
// one, the global one once installed, W3C while tracing is on and the
// global one is untouched.
func (t *Telemetry) propagator(tracing bool) propagation.TextMapPropagator {
	if t.prop != nil {
		return t.prop
	}
	p := otel.GetTextMapPropagator()
	if _, untouched := p.(delegator); !untouched {
		return p
	}
	if tracing {
		return w3c
	}
	return nil
}
