package rocketmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/otelmq/otelmqtest"
	"github.com/unimq/unimq/rocketmq"
)

// TestOpenTelemetry runs otelmq's shared test; the traceparent user
// property is read back from the broker's store by message id
// (QUERY_MESSAGE, rocketmq.QueryByID).
func TestOpenTelemetry(t *testing.T) {
	otelmqtest.Run(t, otelmqtest.Harness{
		Backend: "rocketmq",
		Open: func(t *testing.T, opts ...mq.Option) *mq.Client {
			return openClient(t, opts...)
		},
		Topic: func(*testing.T) string { return mqtest.UniqueName("otel") },
		Raw: func(ctx context.Context, t *testing.T, c *mq.Client, topic string) func(*mq.Message) map[string]string {
			from := time.Now().Add(-time.Minute)
			return func(m *mq.Message) map[string]string {
				var got []*mq.Message
				require.Eventually(t, func() bool { // the broker indexes asynchronously
					var err error
					got, err = rocketmq.QueryByID(ctx, c, topic, m.BrokerID, from, time.Now().Add(time.Minute))
					require.NoError(t, err)
					return len(got) > 0
				}, wait, 200*time.Millisecond)
				return got[0].Headers
			}
		},
		Wait: wait,
	})
}
