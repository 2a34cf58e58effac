package failover

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/ledger"
	_ "github.com/unimq/unimq/rabbitmq"
)

var rabbitmqClusterAddrs = []string{"127.0.0.1:5682", "127.0.0.1:5683", "127.0.0.1:5684"}

func amqpURL(addr string) string { return "amqp://guest:guest@" + addr + "/" }

// TestRabbitMQClusterFailover: unimq declares classic queues, whose messages live on one node
// (the node of the connection that declared it: here rabbitmq-1); amqp:// takes one host, so
// each client is tied to one node. The group's queue is declared through rabbitmq-1, the
// subscriber is connected to rabbitmq-2, the 2 publishers to rabbitmq-3. Kill cycles: SIGKILL
// rabbitmq-2 (the subscriber's node: deliveries resume when its client reconnects, i.e. after
// the restart), then rabbitmq-1 (the classic queue's node: the queue is unavailable until it
// is back). Then a rolling restart. Nothing confirmed may be lost.
func TestRabbitMQClusterFailover(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	l := ledger.New()
	topic, group := uniqueName("failover"), "failover"

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, amqpURL(rabbitmqClusterAddrs[0])).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	subscribe(t, open(t, amqpURL(rabbitmqClusterAddrs[1])), l, topic, group)
	pub := amqpURL(rabbitmqClusterAddrs[2])
	p := startPublishers(t, l, topic, true, open(t, pub), open(t, pub))
	flowing(t, l, 200)

	victims := []string{"rabbitmq-2", "rabbitmq-1"}
	for cycle := range killCycles {
		victim := victims[cycle%2]
		f := l.Fault("kill " + victim)
		node(t, "kill", victim)
		// classic queues: no recovery is expected while the node is down; record whether it did
		if waitFor(20*time.Second, func() bool { return l.Recovered(f) }) {
			t.Logf("%s: recovered while the node was down", f.Name)
		} else {
			t.Logf("%s: no confirmed publish delivered within 20s while the node was down", f.Name)
		}
		node(t, "restart", victim)
		if !recovered(l, f, recoverTimeout) {
			t.Errorf("%s: no confirmed publish and delivery within %v after the restart", f.Name, recoverTimeout)
		}
		flowing(t, l, 200)
	}
	for _, n := range []string{"rabbitmq-1", "rabbitmq-2", "rabbitmq-3"} {
		f := l.Fault("rolling restart " + n)
		node(t, "restart", n)
		if !recovered(l, f, recoverTimeout) {
			t.Errorf("%s: no confirmed publish and delivery within %v", f.Name, recoverTimeout)
		}
	}
	finish(t, l, p)
}
