package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestConformance runs the shared suite against the real broker, on topics
// with 3 partitions created through the admin API.
func TestConformance(t *testing.T) {
	u := brokertest.KafkaURL(t)
	// The Reconnect test restarts the shared broker: only in make test's
	// restart phase, where nothing else runs.
	var restart func(context.Context, testing.TB) error
	var skip map[string]string
	if brokertest.RestartsAllowed() {
		restart = restartKafka
	} else {
		skip = map[string]string{"Reconnect": brokertest.RestartSkipReason}
	}
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, u, opts...)
		},
		NewTopic: func(ctx context.Context, t testing.TB) string {
			c, err := mq.Open(ctx, u)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer func() { _ = c.Close(context.Background()) }()
			name := mqtest.UniqueName("unimq-test")
			if err := kafka.CreateTopic(ctx, c, name, 3, 1); err != nil {
				t.Fatalf("create topic: %v", err)
			}
			return name
		},
		Restart:          restart,
		Skip:             skip,
		Wait:             30 * time.Second,
		Quiet:            time.Second,
		IgnoreGoroutines: globalGoroutines,
	})
}
