package failover

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/ledger"
	_ "github.com/unimq/unimq/rabbitmq"
)

var rabbitmqClusterAddrs = []string{"127.0.0.1:5682", "127.0.0.1:5683", "127.0.0.1:5684"}

func amqpURL(addr string) string { return "amqp://guest:guest@" + addr + "/" }

// rabbitmqClusterURL names the three nodes (the adapter dials them in turn, the lost node last).
var rabbitmqClusterURL = amqpURL(strings.Join(rabbitmqClusterAddrs, ","))

// TestRabbitMQQuorumClusterFailover: the group's queue is a quorum queue (replicated on the
// three nodes), and every client uses the three-node URL, so a client whose node dies moves to
// another one. One subscriber, 2 publishers. Kill cycles alternate: SIGKILL the node holding
// the quorum queue's leader, then the node the subscriber is connected to (found with
// brokers.sh rabbitmq-queue; they may be the same node). Then a rolling restart (graceful stop
// of each node). Every fault must recover while the node is down; nothing confirmed may be lost.
func TestRabbitMQQuorumClusterFailover(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	t.Parallel()
	exclusive(t, "rabbitmq-cluster")
	url := rabbitmqClusterURL + "?queue_type=quorum"
	l := ledger.New()
	topic, group := uniqueName("failover-quorum"), "failover"
	queue := topic + "." + group // the adapter's group queue (exchange mode)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, url).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	subscribe(t, open(t, url), l, topic, group)
	p := startPublishers(t, l, topic, true, open(t, url), open(t, url))
	flowing(t, l, 200)

	for cycle := range cycles() {
		q := rabbitQueueNodes(t, queue)
		if len(q.consumers) != 1 {
			t.Fatalf("queue %s: consumers on %v, want one node", queue, q.consumers)
		}
		victim, what := q.leader, "quorum queue leader"
		if cycle%2 == 1 {
			victim, what = q.consumers[0], "subscriber's node"
		}
		if q.leader == q.consumers[0] {
			what = "quorum queue leader and subscriber's node"
		}
		rabbitDown(t, l, "kill", victim, fmt.Sprintf("kill %s (%s)", victim, what), queue)
	}
	for _, n := range rollingNodes("rabbitmq-1", "rabbitmq-2", "rabbitmq-3") {
		rabbitDown(t, l, "stop", n, "rolling restart: stop "+n, queue)
	}
	finish(t, l, p)
}

// TestRabbitMQClassicClusterFailover: the comparison run, with what unimq declared before queue
// types and multi-node URLs: a classic queue, whose messages live on one node (the node of the
// connection that declared it: here rabbitmq-1), and one node per URL. The group's queue is
// declared through rabbitmq-1, the subscriber is connected to rabbitmq-2, the 2 publishers to
// rabbitmq-3. Kill cycles alternate: SIGKILL rabbitmq-2 (the subscriber's node: deliveries
// resume when its client reconnects, i.e. after the restart), then rabbitmq-1 (the classic
// queue's node: the queue is unavailable until it is back). Then a rolling restart. Nothing
// confirmed may be lost; recovery is only required once the node is back.
func TestRabbitMQClassicClusterFailover(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	t.Parallel()
	exclusive(t, "rabbitmq-cluster")
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
	for cycle := range cycles() {
		victim := victims[cycle%2]
		rabbitDown(t, l, "kill", victim, "kill "+victim, "")
	}
	for _, n := range rollingNodes("rabbitmq-1", "rabbitmq-2", "rabbitmq-3") {
		rabbitDown(t, l, "stop", n, "rolling restart: stop "+n, "")
	}
	finish(t, l, p)
}

// rabbitDownWatch is how long a fault is watched while the node is down when recovery is not
// required then (classic queues, one-node URLs).
const rabbitDownWatch = 20 * time.Second

// rabbitDown kills or stops node. With a quorum queue, the stream must recover (a publish
// started after the fault confirmed and delivered) within recoverTimeout while the node is
// down; with a classic one (quorumQueue ""), it is watched for rabbitDownWatch and the outcome
// logged. Then the node is restarted, the fault must have recovered and the stream must flow;
// with a quorum queue, the next fault waits until its three members run again (a member that
// restarted is not back in the queue's Raft group when await_startup returns: killing another
// node before it is would leave the queue without a majority).
func rabbitDown(t *testing.T, l *ledger.Ledger, cmd, name, what, quorumQueue string) {
	t.Helper()
	f := inject(t, l, cmd, name, what)
	switch {
	case quorumQueue != "":
		if !recovered(l, f, recoverTimeout) {
			c, d := l.Counts()
			t.Errorf("%s: no confirmed publish delivered within %v while %s was down (confirmed %d, delivered %d)", f.Name, recoverTimeout, name, c, d)
		}
	case recovered(l, f, rabbitDownWatch):
		t.Logf("%s: recovered while the node was down", f.Name)
	default:
		t.Logf("%s: no confirmed publish delivered within %v while the node was down", f.Name, rabbitDownWatch)
	}
	node(t, "restart", name)
	if !recovered(l, f, recoverTimeout) {
		t.Errorf("%s: no confirmed publish and delivery within %v after the restart", f.Name, recoverTimeout)
	}
	if quorumQueue != "" {
		start := time.Now()
		if !waitFor(recoverTimeout, func() bool { return len(rabbitQueueNodes(t, quorumQueue).online) == 3 }) {
			t.Fatalf("queue %s: its 3 members not online %v after %s restarted", quorumQueue, recoverTimeout, name)
		}
		t.Logf("queue %s: 3 members online %v after the restart of %s", quorumQueue, time.Since(start).Round(time.Millisecond), name)
	}
	flowing(t, l, 200)
}

// rabbitQueue is where a queue's leader, running members and consumers are (rabbitmq-N).
type rabbitQueue struct {
	leader            string
	online, consumers []string
}

// rabbitQueueNodes asks brokers.sh rabbitmq-queue where queue is.
func rabbitQueueNodes(t *testing.T, queue string) rabbitQueue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot(), "scripts", "brokers.sh"), "rabbitmq-queue", queue).Output()
	if err != nil {
		t.Fatalf("brokers.sh rabbitmq-queue %s: %v", queue, err)
	}
	var q rabbitQueue
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "leader":
			q.leader = f[1]
		case len(f) > 0 && f[0] == "online":
			q.online = f[1:]
		case len(f) > 0 && f[0] == "consumers":
			q.consumers = f[1:]
		}
	}
	if q.leader == "" {
		t.Fatalf("brokers.sh rabbitmq-queue %s: no leader in %q", queue, out)
	}
	t.Logf("queue %s: leader on %s, members online %v, consumers on %v", queue, q.leader, q.online, q.consumers)
	return q
}
