package rocketmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	_ "github.com/unimq/unimq/rocketmq"
)

func TestConformance(t *testing.T) {
	url := brokerURL(t)
	var skip map[string]string
	var restartFn func(ctx context.Context, t testing.TB) error
	if brokertest.RestartsAllowed() {
		restartFn = func(ctx context.Context, t testing.TB) error { return brokertest.Restart(ctx, t, "rocketmq") }
	} else {
		skip = map[string]string{"Reconnect": brokertest.RestartSkipReason}
	}
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		NewTopic: func(ctx context.Context, t testing.TB) string {
			topic := mqtest.UniqueName("rmq")
			// Right after the Reconnect test's restart the broker can be
			// slow to answer: try a few times.
			var err error
			for attempt := 0; attempt < 4; attempt++ {
				if err = brokertest.RocketMQEnsureTopic(ctx, brokertest.RocketMQNameServers(t), brokertest.RocketMQBrokerAddr(t), topic, 4); err == nil {
					return topic
				}
				t.Logf("create topic %s (attempt %d): %v", topic, attempt+1, err)
			}
			t.Fatal(err)
			return ""
		},
		Restart:          restartFn,
		Skip:             skip,
		Wait:             30 * time.Second,
		Quiet:            time.Second,
		DelayTolerance:   4 * time.Second,
		CheckBackWait:    45 * time.Second,
		IgnoreGoroutines: brokertest.RocketMQClientGoroutines,
		RebalanceReplays: "a RocketMQ clustering rebalance has no revocation step for unordered consumers: the member " +
			"losing a queue learns it on its own rebalance, after the new owner may have read the committed offset " +
			"(docs/rocketmq.md, Groups)",
	})
}
