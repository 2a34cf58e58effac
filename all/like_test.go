package all_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// memory://?like=<backend> declares what that adapter declares when opened
// with its default URL: the same features, message size limit, maximum
// delay, batch limit and topic name rule. The profiles are copies kept in
// package memory (memory does not import the adapters); this test fails
// when either side changes without the other.
func TestMemoryLikeMatchesTheAdapters(t *testing.T) {
	for _, x := range []struct {
		like string
		url  func(t *testing.T) string
	}{
		{"kafka", func(t *testing.T) string { return brokertest.KafkaURL(t) }},
		{"rabbitmq", func(t *testing.T) string { return brokertest.AMQPURL(t) }},
		{"rocketmq", func(t *testing.T) string { return brokertest.RocketMQURL(t) }},
	} {
		t.Run(x.like, func(t *testing.T) {
			// rocketmq-client-go races on its own: RocketMQ without -race.
			if x.like == "rocketmq" && brokertest.RaceFree(t) {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			real, err := mq.Open(ctx, x.url(t))
			require.NoError(t, err)
			want := real.Capabilities()
			require.NoError(t, real.Close(ctx))
			mem, err := mq.Open(ctx, "memory://like-"+x.like+"?like="+x.like)
			require.NoError(t, err)
			got := mem.Capabilities()
			require.NoError(t, mem.Close(ctx))

			require.Equal(t, x.like, want.Backend)
			require.Equal(t, want.Features.String(), got.Features.String(), "features")
			require.Equal(t, want.MaxMessageSize, got.MaxMessageSize, "max message size")
			require.Equal(t, want.MaxDelay, got.MaxDelay, "max delay")
			require.Equal(t, want.MaxBatch, got.MaxBatch, "max batch")
			if want.Topics == (driver.NameRule{}) || want.Topics == driver.BaseTopics {
				// The adapter declares no rule of its own (the zero
				// value means the base rule); memory declares the
				// broker's. Compared once the adapter declares one.
				t.Logf("%s declares no topic rule; memory like=%s declares %q", x.like, x.like, got.Topics.Name)
			} else {
				require.Equal(t, want.Topics, got.Topics, "topic name rule")
			}
		})
	}
}
