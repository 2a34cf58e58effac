package smoke

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestRocketMQRoundTrip runs in a race-free child: rocketmq-client-go
// v2.1.2 races in its own code (Shutdown against a rebalance's InvokeSync,
// docs/rocketmq.md), which the race detector reports on a loaded machine.
func TestRocketMQRoundTrip(t *testing.T) {
	if brokertest.RaceFree(t) {
		return
	}
	ns := brokertest.RocketMQNameServers(t)
	brokerAddr := brokertest.RocketMQBrokerAddr(t)
	topic := uniqueName("rmq")
	group := topic + "-g"

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	if err := brokertest.RocketMQEnsureTopic(ctx, ns, brokerAddr, topic, 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("topic routed in %v", time.Since(start))

	body := "hello " + topic
	rocketmqSend(ctx, t, ns, topic, group, body)
	t.Logf("sent after %v", time.Since(start))

	if b := rocketmqReceiveOne(ctx, t, ns, topic, group); b != body {
		t.Fatalf("got %q, want %q", b, body)
	}
	t.Logf("received after %v", time.Since(start))
}
