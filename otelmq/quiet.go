package otelmq

import (
	"reflect"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Nothing to record: without a tracer, a propagator or a meter, every call
// of the interceptors, the hook and the middleware returns at once. The
// decision is taken once per set of providers (the configured ones, else the
// global ones at the time of the call) and kept until one of them changes;
// each call then costs three atomic loads and comparisons.

// quietEntry is the decision for one set of providers.
type quietEntry struct {
	tp        trace.TracerProvider
	mp        metric.MeterProvider // the global one while the instruments follow it, else nil
	prop      propagation.TextMapPropagator
	cacheable bool // every provider's type is comparable
	quiet     bool
}

// globalMeterDefault is the type of the global meter provider until one is
// installed (otel.SetMeterProvider replaces it in otel.GetMeterProvider).
const globalMeterDefault = "*global.meterProvider"

// meterState is how the instruments record, decided in New.
type meterState int

const (
	meterOff          meterState = iota // a noop meter provider
	meterOn                             // a real one
	meterFollowGlobal                   // the global one, not installed yet when New ran
)

// meterStateOf classifies the meter provider the instruments come from.
func meterStateOf(mp metric.MeterProvider, configured bool) meterState {
	switch mp.(type) {
	case metricnoop.MeterProvider, *metricnoop.MeterProvider:
		return meterOff
	}
	if !configured && reflect.TypeOf(mp).String() == globalMeterDefault {
		return meterFollowGlobal
	}
	return meterOn
}

// quiet reports whether nothing would be recorded or injected now.
func (t *Telemetry) quiet() bool {
	tp := t.tp
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	var mp metric.MeterProvider
	if t.meter == meterFollowGlobal {
		mp = otel.GetMeterProvider()
	}
	prop := t.prop
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	if e := t.quietCache.Load(); e != nil && e.cacheable && e.tp == tp && e.mp == mp && e.prop == prop {
		return e.quiet
	}
	e := &quietEntry{tp: tp, mp: mp, prop: prop,
		cacheable: comparable(tp) && comparable(mp) && comparable(prop)}
	_, tracing := t.tracerFor()
	metrics := t.meter == meterOn ||
		(t.meter == meterFollowGlobal && reflect.TypeOf(mp).String() != globalMeterDefault && meterStateOf(mp, true) == meterOn)
	e.quiet = !tracing && !metrics && t.propagator(false) == nil
	t.quietCache.Store(e)
	return e.quiet
}

// comparable reports whether v's dynamic type can be compared with ==.
func comparable(v any) bool {
	return v == nil || reflect.TypeOf(v).Comparable()
}
