package failover

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/ledger"
	_ "github.com/unimq/unimq/kafka"
)

var kafkaClusterAddrs = []string{"127.0.0.1:19092", "127.0.0.1:19192", "127.0.0.1:19292"}

// TestKafkaClusterFailover: 4 publishers and a 3-member group on a topic of 3 partitions
// (RF 3, min.insync.replicas 2). Kill cycles: SIGKILL the leader of partition 0, then the
// active controller (each restarted after the stream recovered); then a rolling restart of
// the three nodes (each stopped gracefully, the stream must go on, then started again). Nothing confirmed may be lost.
func TestKafkaClusterFailover(t *testing.T) {
	requireCluster(t, "kafka-cluster", kafkaClusterAddrs...)
	t.Parallel()
	exclusive(t, "kafka-cluster")
	url := "kafka://" + strings.Join(kafkaClusterAddrs, ",")
	l := ledger.New()
	topic, group := uniqueName("failover"), "failover"

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, url).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	for range 3 {
		subscribe(t, open(t, url), l, topic, group)
	}
	p := startPublishers(t, l, topic, true, open(t, url), open(t, url), open(t, url), open(t, url))
	flowing(t, l, 200)

	for cycle := range cycles() {
		what, victim := "controller", ""
		if cycle%2 == 0 {
			what, victim = "leader of partition 0", kafkaLeader(t, topic, 0)
		} else {
			victim = kafkaController(t)
		}
		f := inject(t, l, "kill", victim, fmt.Sprintf("kill %s (%s)", victim, what))
		if !recovered(l, f, recoverTimeout) {
			t.Errorf("%s: no confirmed publish and delivery within %v with %s down", f.Name, recoverTimeout, victim)
		}
		node(t, "restart", victim)
		flowing(t, l, 200)
	}
	for _, n := range rollingNodes("kafka-1", "kafka-2", "kafka-3") {
		f := inject(t, l, "stop", n, "rolling restart: stop "+n)
		if !recovered(l, f, recoverTimeout) {
			t.Errorf("%s: no confirmed publish and delivery within %v", f.Name, recoverTimeout)
		}
		node(t, "restart", n)
		flowing(t, l, 200)
	}
	finish(t, l, p)
}

// kafkaLeader returns the node (kafka-N) leading partition of topic.
func kafkaLeader(t *testing.T, topic string, partition int32) string {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	adm, err := sarama.NewClusterAdmin(kafkaClusterAddrs, cfg)
	if err != nil {
		t.Fatalf("cluster admin: %v", err)
	}
	defer func() { _ = adm.Close() }()
	md, err := adm.DescribeTopics([]string{topic})
	if err != nil || len(md) != 1 || md[0].Err != sarama.ErrNoError {
		t.Fatalf("describe %s: %v %v", topic, err, md)
	}
	for _, pm := range md[0].Partitions {
		if pm.ID == partition {
			t.Logf("%s/%d: leader %d, replicas %v, in sync %v", topic, partition, pm.Leader, pm.Replicas, pm.Isr)
			return fmt.Sprintf("kafka-%d", pm.Leader)
		}
	}
	t.Fatalf("%s has no partition %d", topic, partition)
	return ""
}

// kafkaController returns the node (kafka-N) that is the active KRaft controller.
func kafkaController(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot(), "scripts", "brokers.sh"), "controller", "kafka-cluster").Output()
	if err != nil {
		t.Fatalf("brokers.sh controller kafka-cluster: %v", err)
	}
	return strings.TrimSpace(string(out))
}
