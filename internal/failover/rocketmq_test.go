package failover

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/internal/ledger"
	_ "github.com/unimq/unimq/rocketmq"
)

var rocketmqClusterAddrs = []string{"127.0.0.1:9976", "127.0.0.1:10951", "127.0.0.1:10961"}

// TestRocketMQClusterFailover: a topic with queues on broker-a and broker-b, 3 publishers
// (no keys: the client rotates over the queues) and a 2-member group. Kill cycles: SIGKILL
// broker-a mid-stream (sends must fail over to broker-b and the group keep consuming), then
// restart it: what it stored before the kill must be delivered. Nothing confirmed may be lost.
func TestRocketMQClusterFailover(t *testing.T) {
	requireCluster(t, "rocketmq-cluster", rocketmqClusterAddrs...)
	t.Parallel()
	// rocketmq-client-go v2.1.2 races on its broker address table when a broker goes offline
	// (cleanOfflineBroker deletes while FindBrokerAddrByName reads, unlocked): under -race the
	// test runs in a child go test built without it.
	if brokertest.RaceFree(t) {
		return
	}
	url := "rocketmq://" + rocketmqClusterAddrs[0]
	l := ledger.New()
	topic, group := uniqueName("failover"), "failover"

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, url).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	for range 2 {
		subscribe(t, open(t, url), l, topic, group)
	}
	p := startPublishers(t, l, topic, false, open(t, url), open(t, url), open(t, url))
	flowing(t, l, 200)

	for range cycles() {
		f := inject(t, l, "kill", "rocketmq-a", "kill rocketmq-a (broker-a)")
		if !recovered(l, f, recoverTimeout) {
			t.Errorf("%s: no confirmed publish and delivery within %v on broker-b alone", f.Name, recoverTimeout)
		}
		node(t, "restart", "rocketmq-a")
		flowing(t, l, 200)
	}
	finish(t, l, p)
}
