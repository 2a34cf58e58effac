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
	t.Parallel()
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
		rabbitDown(t, l, "kill", victim, "kill "+victim)
	}
	for _, n := range []string{"rabbitmq-1", "rabbitmq-2", "rabbitmq-3"} {
		rabbitDown(t, l, "stop", n, "rolling restart: stop "+n)
	}
	finish(t, l, p)
}

// rabbitDown kills or stops node, records whether the stream recovered within 20 s while it
// was down (classic queues and one-node URLs: not expected when the queue or the subscriber is
// on it), restarts it and requires recovery then.
func rabbitDown(t *testing.T, l *ledger.Ledger, cmd, name, what string) {
	t.Helper()
	f := inject(t, l, cmd, name, what)
	if recovered(l, f, 20*time.Second) {
		t.Logf("%s: recovered while the node was down", f.Name)
	} else {
		t.Logf("%s: no confirmed publish delivered within 20s while the node was down", f.Name)
	}
	node(t, "restart", name)
	if !recovered(l, f, recoverTimeout) {
		t.Errorf("%s: no confirmed publish and delivery within %v after the restart", f.Name, recoverTimeout)
	}
	flowing(t, l, 200)
}
