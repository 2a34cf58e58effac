package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq/otelmqtest"
)

// TestOpenTelemetry runs otelmq's shared test: traces through every publish
// mode, retries and dead letters, and the metrics (memory has no other
// client to read the wire with).
func TestOpenTelemetry(t *testing.T) {
	otelmqtest.Run(t, otelmqtest.Harness{
		Backend: "memory",
		Open: func(t *testing.T, opts ...mq.Option) *mq.Client {
			c, err := mq.Open(context.Background(), uniqueURL(t, "txcheck=50ms"), opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close(context.Background()) })
			return c
		},
		Topic: func(*testing.T) string { return "otel" },
	})
}
