// Package otelmqtest is the shared test of otelmq on every backend: Run
// publishes on every mode, consumes with retries and a dead letter, and
// checks traces, metrics and the headers on the wire with the OpenTelemetry
// SDK's in-memory exporters. Each adapter's test gives it a Harness. It
// imports the SDK: use it from tests only.
package otelmqtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/unimq/unimq/otelmq"
)

// SDK is an OpenTelemetry SDK with in-memory exporters.
type SDK struct {
	Spans  *tracetest.SpanRecorder
	Reader *sdkmetric.ManualReader
	TP     *sdktrace.TracerProvider
	MP     *sdkmetric.MeterProvider
	Tel    *otelmq.Telemetry
}

// NewSDK returns an SDK whose Tel is otelmq.New with its providers and
// opts; the providers shut down when the test ends.
func NewSDK(t testing.TB, opts ...otelmq.Option) *SDK {
	s := &SDK{Spans: tracetest.NewSpanRecorder(), Reader: sdkmetric.NewManualReader()}
	s.TP = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.Spans), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	s.MP = sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.Reader))
	s.Tel = otelmq.New(append([]otelmq.Option{otelmq.WithTracerProvider(s.TP), otelmq.WithMeterProvider(s.MP)}, opts...)...)
	t.Cleanup(func() {
		_ = s.TP.Shutdown(context.Background())
		_ = s.MP.Shutdown(context.Background())
	})
	return s
}

// Ended returns the ended spans named name.
func (s *SDK) Ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range s.Spans.Ended() {
		if sp.Name() == name {
			out = append(out, sp)
		}
	}
	return out
}

// WaitSpans waits until at least n spans named name have ended.
func (s *SDK) WaitSpans(t testing.TB, name string, n int, within time.Duration) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.Ended(name)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			var names []string
			for _, sp := range s.Spans.Ended() {
				names = append(names, sp.Name())
			}
			t.Fatalf("%d spans %q after %v, want %d; ended: %v", len(got), name, within, n, names)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
}

// Attrs returns the attributes of sp by key.
func Attrs(sp sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range sp.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// Metrics collects the current metrics by name.
func (s *SDK) Metrics(t testing.TB) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, s.Reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// Sum adds the int64 sum points of name whose attributes include match.
func (s *SDK) Sum(t testing.TB, name string, match ...attribute.KeyValue) int64 {
	t.Helper()
	data, ok := s.Metrics(t)[name]
	if !ok {
		return 0
	}
	sum, ok := data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is %T", name, data)
	var n int64
	for _, p := range sum.DataPoints {
		if has(p.Attributes, match) {
			n += p.Value
		}
	}
	return n
}

// Count adds the counts of the histogram points of name whose attributes include match.
func (s *SDK) Count(t testing.TB, name string, match ...attribute.KeyValue) uint64 {
	t.Helper()
	data, ok := s.Metrics(t)[name]
	if !ok {
		return 0
	}
	h, ok := data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is %T", name, data)
	var n uint64
	for _, p := range h.DataPoints {
		if has(p.Attributes, match) {
			n += p.Count
		}
	}
	return n
}

func has(set attribute.Set, match []attribute.KeyValue) bool {
	for _, kv := range match {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// WaitSum waits until Sum(name, match) is at least want.
func (s *SDK) WaitSum(t testing.TB, name string, want int64, within time.Duration, match ...attribute.KeyValue) {
	t.Helper()
	deadline := time.Now().Add(within)
	for s.Sum(t, name, match...) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d after %v, want %d", name, s.Sum(t, name, match...), within, want)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
}

// Gauge returns the int64 gauge points of name whose attributes include
// match, as a collection now reports them.
func (s *SDK) Gauge(t testing.TB, name string, match ...attribute.KeyValue) []int64 {
	t.Helper()
	data, ok := s.Metrics(t)[name]
	if !ok {
		return nil
	}
	g, ok := data.(metricdata.Gauge[int64])
	require.True(t, ok, "%s is %T", name, data)
	var out []int64
	for _, p := range g.DataPoints {
		if has(p.Attributes, match) {
			out = append(out, p.Value)
		}
	}
	return out
}

// WaitGauge waits until one collection reports exactly one point of gauge
// name matching match, with a value ok accepts; it returns that value.
func (s *SDK) WaitGauge(t testing.TB, name string, within time.Duration, ok func(int64) bool, match ...attribute.KeyValue) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.Gauge(t, name, match...)
		if len(got) == 1 && ok(got[0]) {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after %v", name, got, within)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
}
