package otelmq

import (
	"context"
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/unimq/unimq/mq"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/unimq/unimq/otelmq"

// Telemetry holds the instruments; create it with New and give its
// ClientOptions to mq.Open. One Telemetry may serve many clients.
type Telemetry struct {
	tp     trace.TracerProvider // nil: the global one, resolved on each use
	tracer atomic.Pointer[tracerEntry]
	prop   propagation.TextMapPropagator // nil: the global one, or W3C when that is untouched
	m      instruments
	sets   setCache // metric attribute sets
}

type tracerEntry struct {
	tp         trace.TracerProvider
	comparable bool
	tracer     trace.Tracer // nil: tracing off
}

// Option configures New.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	mp   metric.MeterProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider sets the tracer provider. Default: the global one
// (otel.SetTracerProvider), looked up on each use, so a provider installed
// after New is used.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the meter provider. Default: the global one; its
// instruments forward to a provider installed later.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithPropagator sets how contexts travel in headers. Default: the global
// propagator (otel.SetTextMapPropagator), or W3C trace context and baggage
// while the global one is untouched, so that a service that installed only
// a tracer provider still propagates.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// New returns the instrumentation. It does not block.
func New(opts ...Option) *Telemetry {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	mp := cfg.mp
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &Telemetry{tp: cfg.tp, prop: cfg.prop}
	t.m.init(mp.Meter(ScopeName))
	return t
}

// ClientOptions returns the options that instrument one client: the
// publish interceptor, the hook and the handler middleware (Open level, so
// it wraps every Subscribe-level middleware and its span covers them). Call
// it once per client.
func (t *Telemetry) ClientOptions() []mq.Option {
	cl := &client{t: t}
	return []mq.Option{
		mq.WithPublishInterceptor(cl.intercept),
		mq.WithHook(cl.hook),
		mq.WithMiddleware(cl.middleware),
	}
}

// client is the instrumentation of one client. It learns the backend's
// name from the first publish or settlement, for handlers whose ctx has no
// mq.HandlerInfo.
type client struct {
	t       *Telemetry
	backend atomic.Pointer[string]
}

func (cl *client) learn(backend string) {
	if backend != "" && cl.backend.Load() == nil {
		cl.store(backend)
	}
}

// store is learn's slow path, apart so that learn's argument stays on the
// stack.
func (cl *client) store(backend string) { cl.backend.Store(&backend) }

func (cl *client) system() string {
	if p := cl.backend.Load(); p != nil {
		return *p
	}
	return ""
}

func (cl *client) intercept(ctx context.Context, p mq.PublishInfo) context.Context {
	cl.learn(p.Backend)
	return cl.t.Intercept(ctx, p)
}

func (cl *client) hook(ctx context.Context, e mq.Event) {
	cl.learn(e.Backend)
	cl.t.Hook(ctx, e)
}

func (cl *client) middleware(next mq.Handler) mq.Handler { return cl.t.handler(next, cl.system) }

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
