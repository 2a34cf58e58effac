package otelmq

import (
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimq/unimq/mq"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/unimq/unimq/otelmq"

// Telemetry holds the instruments; create it with New and give its
// ClientOptions to mq.Open. One Telemetry may serve many clients.
type Telemetry struct {
	tp      trace.TracerProvider // nil: the global one, resolved on each use
	tracer  atomic.Pointer[tracerEntry]
	prop    propagation.TextMapPropagator // nil: the global one, or W3C when that is untouched
	m       instruments
	sets    setCache     // metric attribute sets
	backlog backlogGauge // MetricBacklog (backlog.go)

	meter      meterState                 // how the instruments record (quiet.go)
	quietCache atomic.Pointer[quietEntry] // the last "nothing to record" decision (quiet.go)
	sends      atomic.Int64               // send spans started and not yet ended (publish.go)
}

type tracerEntry struct {
	tp         trace.TracerProvider
	comparable bool
	tracer     trace.Tracer // nil: tracing off
}

// Option configures New.
type Option func(*config)

type config struct {
	tp           trace.TracerProvider
	mp           metric.MeterProvider
	prop         propagation.TextMapPropagator
	backlogEvery time.Duration
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

// WithBacklogInterval sets how long the backlog gauge (MetricBacklog)
// reuses a group's answer before asking the broker again: at most one
// question per subscribed topic and group per interval, whatever the
// collection rate. Default DefaultBacklogInterval; 0 asks at every
// collection; a negative interval turns the gauge off.
func WithBacklogInterval(d time.Duration) Option {
	return func(c *config) { c.backlogEvery = d }
}

// New returns the instrumentation. It does not block.
func New(opts ...Option) *Telemetry {
	cfg := config{backlogEvery: DefaultBacklogInterval}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	mp := cfg.mp
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &Telemetry{tp: cfg.tp, prop: cfg.prop, meter: meterStateOf(mp, cfg.mp != nil)}
	meter := mp.Meter(ScopeName)
	t.m.init(meter)
	t.backlog.init(meter, cfg.backlogEvery)
	return t
}

// ClientOptions returns the options that instrument one client: the
// publish interceptor, the hook and the handler middleware (Open level, so
// it wraps every Subscribe-level middleware and its span covers them). Call
// it once per client.
//
// Whether the client is instrumented is decided when it opens (mq.When):
// if nothing would be recorded or injected then (no tracer provider, meter
// provider or propagator, configured in New or installed globally), the
// client gets no interceptor, hook or middleware and pays nothing for
// otelmq. Install the SDK before opening clients, as OpenTelemetry asks; a
// client opened earlier stays uninstrumented (open it again). Middleware,
// Intercept and Receive used on their own follow the global providers at
// every call.
func (t *Telemetry) ClientOptions() []mq.Option {
	cl := &client{t: t}
	return []mq.Option{mq.When(t.recording,
		mq.WithPublishInterceptor(cl.intercept),
		mq.WithHook(cl.hook),
		mq.WithMiddleware(cl.middleware),
		mq.WithReceiveInterceptor(cl.receive),
		mq.OnOpen(cl.opened),
	)}
}

// recording reports whether anything would be recorded or injected now.
func (t *Telemetry) recording() bool { return !t.quiet() }
