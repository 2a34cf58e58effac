package kafka_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// globalGoroutines are started once per process by sarama's dependencies
// and never stopped (go-metrics' meter arbiter).
var globalGoroutines = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
	goleak.IgnoreAnyFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
}

// open opens a client on the test broker, closed at the end of the test.
func open(t testing.TB, opts ...mq.Option) *mq.Client {
	t.Helper()
	return openURL(t, brokertest.KafkaURL(t), false, opts...)
}

// openURL opens u (within 30 s), closed at the end of the test; with
// checkClose an error from that Close fails the test.
func openURL(t testing.TB, u string, checkClose bool, opts ...mq.Option) *mq.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, u, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil && checkClose {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// newTopic creates a fresh topic with partitions partitions.
func newTopic(t testing.TB, c *mq.Client, prefix string, partitions int32) string {
	t.Helper()
	name := mqtest.UniqueName(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, kafka.CreateTopic(ctx, c, name, partitions, 1))
	return name
}

// restartKafka restarts the broker keeping its data (scripts/brokers.sh).
func restartKafka(ctx context.Context, t testing.TB) error {
	cmd := exec.CommandContext(ctx, "../scripts/brokers.sh", "restart", "kafka")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("brokers.sh restart kafka: %s", out)
	}
	return err
}
