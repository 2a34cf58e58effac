package otelmq_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq"
)

// ClientOptions decides at Open: a client opened before any provider was
// installed carries no instrumentation (and writes nothing), one opened
// after the global tracer provider was installed injects the trace
// context. It runs in a child process: the OpenTelemetry globals cannot be
// put back.
func TestClientOptionsDecideAtOpen(t *testing.T) {
	if os.Getenv("UNIMQ_OTELMQ_OPEN_DECISION") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestClientOptionsDecideAtOpen$", "-test.count", "1")
		cmd.Env = append(os.Environ(), "UNIMQ_OTELMQ_OPEN_DECISION=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	tel := otelmq.New()
	before := openMemory(t, tel.ClientOptions()...)

	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	otel.SetTracerProvider(tp)
	after := openMemory(t, tel.ClientOptions()...)

	assert.Empty(t, receiveOne(t, before, &mq.Message{ID: "a"}).Header("traceparent"),
		"a client opened without any provider is not instrumented")
	assert.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`, receiveOne(t, after, &mq.Message{ID: "b"}).Header("traceparent"),
		"a client opened after the global provider was installed is")
}
