package otelmq

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/unimq/unimq/mq"
)

// TestQuietWithConfiguredProviders: "nothing to record" holds exactly while
// no configured provider would record or inject.
func TestQuietWithConfiguredProviders(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	for _, c := range []struct {
		name  string
		opts  []Option
		quiet bool
	}{
		{"noop tracer", []Option{WithTracerProvider(tracenoop.NewTracerProvider())}, true},
		{"SDK tracer", []Option{WithTracerProvider(tp)}, false},
		{"SDK meter", []Option{WithTracerProvider(tracenoop.NewTracerProvider()), WithMeterProvider(mp)}, false},
		{"propagator", []Option{WithTracerProvider(tracenoop.NewTracerProvider()), WithPropagator(propagation.TraceContext{})}, false},
	} {
		tel := New(c.opts...)
		for i := 0; i < 2; i++ { // decided, then cached
			if got := tel.quiet(); got != c.quiet {
				t.Errorf("%s: quiet = %v (call %d), want %v", c.name, got, i+1, c.quiet)
			}
		}
	}
}

// TestQuietFollowsGlobalProviders: a Telemetry made before any global
// provider is quiet; once a global meter provider is installed it records
// (the decision is taken again when a provider changes). It runs in a child
// process: the OpenTelemetry globals cannot be put back.
func TestQuietFollowsGlobalProviders(t *testing.T) {
	if os.Getenv("UNIMQ_OTELMQ_GLOBALS") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestQuietFollowsGlobalProviders$", "-test.count", "1")
		cmd.Env = append(os.Environ(), "UNIMQ_OTELMQ_GLOBALS=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	tel := New()
	if !tel.quiet() {
		t.Fatal("quiet = false before any provider is installed")
	}
	h := tel.Middleware(func(context.Context, *mq.Message) error { return nil })
	ctx := mq.ContextWithHandlerInfo(context.Background(), mq.HandlerInfo{Topic: "t", Group: "g", Backend: "memory"})
	_ = h(ctx, &mq.Message{Topic: "t"})

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	otel.SetMeterProvider(mp)
	if tel.quiet() {
		t.Fatal("quiet = true after a global meter provider was installed")
	}
	_ = h(ctx, &mq.Message{Topic: "t"})
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == MetricProcessDuration {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("no %s recorded after the global meter provider was installed: %+v", MetricProcessDuration, rm)
	}
}
