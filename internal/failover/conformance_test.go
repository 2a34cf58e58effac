package failover

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestRabbitMQClusterConformance runs the shared suite against the RabbitMQ cluster, every
// client on the three-node URL with quorum queues. Reconnect is a node kill: Restart SIGKILLs
// rabbitmq-1 (the node every client dials first), the clients move to rabbitmq-2, and the node
// is started again before the suite goes on. Not parallel: the suite checks for leaked
// goroutines at its end.
func TestRabbitMQClusterConformance(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	exclusive(t, "rabbitmq-cluster")
	url := rabbitmqClusterURL + "?queue_type=quorum"
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		Restart: func(_ context.Context, t testing.TB) error {
			node(t, "kill", "rabbitmq-1")
			node(t, "restart", "rabbitmq-1")
			return nil
		},
		Wait:             15 * time.Second,
		Quiet:            500 * time.Millisecond,
		DelayTolerance:   2 * time.Second,
		IgnoreGoroutines: []goleak.Option{goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run")},
	})
}

// TestKafkaClusterConformance runs the shared suite against the Kafka cluster, every client on
// the three-node URL; the suite's topics are declared through the adapter (3 partitions, RF 3,
// min.insync.replicas 2). Reconnect is a node kill: Restart SIGKILLs kafka-1 (the first
// bootstrap address; it leads about a third of the partitions) and starts it again, keeping
// its data; the clients go on through the two others meanwhile.
func TestKafkaClusterConformance(t *testing.T) {
	requireCluster(t, "kafka-cluster", kafkaClusterAddrs...)
	exclusive(t, "kafka-cluster")
	h := clusterHarness("kafka://"+strings.Join(kafkaClusterAddrs, ","), "kc", "kafka-1")
	h.IgnoreGoroutines = []goleak.Option{
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
		goleak.IgnoreAnyFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
	}
	mqtest.Run(t, h)
}

// clusterHarness is the harness of a cluster's suite: every client on url, the topics declared
// through the adapter (names starting with prefix), and Reconnect as a SIGKILL of node and its
// restart (killed names the node for scripts/brokers.sh).
func clusterHarness(url, prefix, killed string) mqtest.Harness {
	return mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, url, opts...)
		},
		NewTopic: declaredTopic(url, prefix),
		Restart: func(_ context.Context, t testing.TB) error {
			node(t, "kill", killed)
			node(t, "restart", killed)
			return nil
		},
		Wait:  30 * time.Second,
		Quiet: time.Second,
	}
}

// TestRocketMQClusterConformance runs the shared suite against the RocketMQ cluster (one name
// server, masters broker-a and broker-b): every topic declared through the adapter, with queues
// on both brokers. Reconnect is a node kill: Restart SIGKILLs broker-a and starts it again. The
// name server is not killed: it is the cluster's only one (rocketmq://ns1;ns2 would survive
// that, the harness runs one). Under -race, in a child built without it (see
// TestRocketMQClusterFailover).
func TestRocketMQClusterConformance(t *testing.T) {
	requireCluster(t, "rocketmq-cluster", rocketmqClusterAddrs...)
	exclusive(t, "rocketmq-cluster")
	if brokertest.RaceFree(t) {
		return
	}
	brokertest.QuietRocketMQLogs()
	h := clusterHarness("rocketmq://"+rocketmqClusterAddrs[0], "rc", "rocketmq-a")
	h.DelayTolerance = 4 * time.Second
	h.CheckBackWait = 45 * time.Second
	h.IgnoreGoroutines = brokertest.RocketMQClientGoroutines
	h.RebalanceReplays = "a RocketMQ clustering rebalance has no revocation step for unordered consumers: the member " +
		"losing a queue learns it on its own rebalance, after the new owner may have read the committed offset " +
		"(docs/rocketmq.md, Groups)"
	mqtest.Run(t, h)
}

// declaredTopic returns a Harness.NewTopic that declares a unique topic through a client of url
// (on a cluster, the adapter creates it on every node: Kafka with the cluster's replication,
// RocketMQ on every master).
func declaredTopic(url, prefix string) func(ctx context.Context, t testing.TB) string {
	return func(ctx context.Context, t testing.TB) string {
		c, err := mq.Open(ctx, url)
		if err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
		defer func() { _ = c.Close(context.Background()) }()
		topic := mqtest.UniqueName(prefix)
		if err := c.Declare(ctx, topic); err != nil {
			t.Fatalf("declare %s: %v", topic, err)
		}
		return topic
	}
}
