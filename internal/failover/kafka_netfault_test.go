package failover

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/ledger"
	"github.com/unimq/unimq/internal/netproxy"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
)

// Network faults against Kafka. A Kafka client reaches each broker at its advertised address,
// so the proxy stands in front of one node by way of the clients' dialer (kafka.WithDialer),
// which sends that node's address to the proxy and the others straight. sarama notices a silent
// connection only by its read timeout (Net.ReadTimeout, 30 s, which the adapter does not
// change): no heartbeat runs on a broker connection. The cluster itself sees the node healthy
// (the proxy sits between the clients and the node, not between nodes), so the node keeps
// leading its partitions, and no client can produce to or fetch from them until its path
// to the node works again: the rest of the stream must go on meanwhile.
const (
	kafkaReadTimeout = 30 * time.Second // sarama's Net.ReadTimeout
	kafkaNetLatency  = 200 * time.Millisecond
	// the node's partition recovers within a read timeout (the silent request), a second one
	// (a metadata or connect request that went to the silent node before the first failed),
	// and a publish timeout (the publish in flight), with a margin for a loaded machine.
	kafkaNetRecover = 2*kafkaReadTimeout + publishTimeout + 15*time.Second
	// after a cut-off is healed, one more read timeout: a connection opened while the node was
	// cut off (accepted, never answered) fails only by it (84 s measured once).
	kafkaNetHealed = kafkaNetRecover + kafkaReadTimeout
	// the node stays cut off past the read timeout
	kafkaNetCutOff = kafkaReadTimeout + 10*time.Second
)

// TestKafkaNetworkFaults: one node of the Kafka cluster behind an in-test TCP proxy, reached
// through every client's dialer; the node leads a partition of the topic and is not the
// group's coordinator (a group can only work through its coordinator: cutting that node off
// stops the whole group, which no client can route around). 4 keyed publishers (all 3
// partitions), one publisher pinned to the node's partition (kafka.WithPartition: its messages
// measure that partition's recovery) and one pinned to a partition of another node (they
// measure that the rest flows), a 3-member group, all on the three-node URL. killCycles
// network faults on the proxy: added latency (200 ms each way for a while: the stream keeps
// flowing through the node), half-open (every relayed connection goes silent for good, without
// FIN or RST: the clients notice by their read timeout and reconnect), the node cut off for
// longer than the read timeout (silent connections, connects accepted and never answered, then
// healed). Meanwhile the partitions of the other nodes must keep flowing; nothing confirmed may
// be lost.
func TestKafkaNetworkFaults(t *testing.T) {
	requireCluster(t, "kafka-cluster", kafkaClusterAddrs...)
	t.Parallel()
	exclusive(t, "kafka-cluster")
	topic, group := uniqueName("netfault"), "failover"
	direct := "kafka://" + strings.Join(kafkaClusterAddrs, ",")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, direct).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	l := ledger.New()
	victim, partition, other := kafkaNetVictim(t, topic, group)
	px, err := netproxy.New(victim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() }) // after the clients (cleanups run last-in first-out)
	name := kafkaNodeName(victim)
	t.Logf("proxy %s in front of %s (%s), which leads partition %d", px.Addr(), name, victim, partition)
	url := direct // every client below goes through the dialer
	dial := kafka.WithDialer(&viaProxy{to: map[string]string{victim: px.Addr()}})
	for range 3 {
		subscribe(t, open(t, url, dial), l, topic, group)
	}
	keyed := make([]sender, 4)
	for i := range keyed {
		keyed[i] = slowLogged(t, open(t, url, dial), topic)
	}
	p := startSenders(t, l, "p", keyed...)
	pinned, elsewhere := open(t, url, dial), open(t, url, dial)
	pin := startSenders(t, l, "v", func(ctx context.Context, m *mq.Message) error {
		return pinned.Publish(ctx, topic, m, kafka.WithPartition(partition))
	})
	pinOther := startSenders(t, l, "w", func(ctx context.Context, m *mq.Message) error {
		return elsewhere.Publish(ctx, topic, m, kafka.WithPartition(other))
	})
	flowing(t, l, 200)
	if px.Relayed() == 0 {
		t.Fatalf("no connection relayed by the proxy in front of %s: the dialer does not reach it", name)
	}

	faults := []string{"latency", "half-open", "cut-off"}
	for cycle := range cycles() {
		kind := faults[cycle%len(faults)]
		var n int
		switch kind {
		case "latency":
			px.SetLatency(kafkaNetLatency)
			n = px.Relayed()
		case "half-open":
			n = px.HalfOpen()
		case "cut-off":
			n = px.CutOff()
		}
		what := fmt.Sprintf("%s %s (%d connections)", kind, name, n)
		// measured with one publisher per partition: the keyed publishers are blocked by a
		// publish to the node's partition for up to publishTimeout each, and would hide
		// that the other partitions flow
		rest := l.FaultOf(fmt.Sprintf("%s: partition %d (other node)", what, other), "w")
		own := l.FaultOf(fmt.Sprintf("%s: partition %d", what, partition), "v")
		// the other nodes' partitions flow while the fault lasts
		if !recovered(l, rest, recoverTimeout) {
			c, d := l.Counts()
			t.Errorf("%s: no confirmed publish delivered within %v (confirmed %d, delivered %d)", rest.Name, recoverTimeout, c, d)
		}
		switch kind {
		case "latency":
			if !recovered(l, own, recoverTimeout) {
				t.Errorf("%s: not flowing within %v with latency only", own.Name, recoverTimeout)
			}
			flowing(t, l, 50)
			if px.Relayed() == 0 {
				t.Errorf("%s: the clients left the slow node (nothing relayed): latency is not a failure", own.Name)
			}
			px.SetLatency(0)
		case "half-open":
			// noticed by the read timeout: the clients reconnect through the proxy
			if !recovered(l, own, kafkaNetRecover) {
				t.Errorf("%s: no confirmed publish delivered within %v (sarama's read timeout is %v)", own.Name, kafkaNetRecover, kafkaReadTimeout)
			}
			t.Logf("%s: recovered; %d connections relayed again", own.Name, px.Relayed())
		case "cut-off":
			if d := time.Until(rest.At.Add(kafkaNetCutOff)); d > 0 {
				time.Sleep(d) // the fault's length (not a wait for a result): cut off past the read timeout
			}
			if l.Recovered(own) {
				t.Errorf("%s: recovered while the node was cut off: its traffic does not go through the proxy", own.Name)
			}
			px.Heal()
			healed := time.Now()
			if !recovered(l, own, kafkaNetHealed) {
				t.Errorf("%s: no confirmed publish delivered within %v of the heal", own.Name, kafkaNetHealed)
			}
			t.Logf("%s: recovered %v after the heal", own.Name, time.Since(healed).Round(time.Millisecond))
		}
		flowing(t, l, 200)
	}
	for _, s := range []*publishers{pin, pinOther} {
		s.Stop()
		s.logErrors(t)
	}
	finish(t, l, p)
}

// slowLogged is a keyed sender on c that logs a publish confirmed after more than 5 s, with its
// partition: a slow publish to a partition the fault did not hit means the client stalled as
// a whole.
func slowLogged(t *testing.T, c *mq.Client, topic string) sender {
	return func(ctx context.Context, m *mq.Message) error {
		m.Key = m.ID
		start := time.Now()
		err := c.Publish(ctx, topic, m)
		if d := time.Since(start); err == nil && d > 5*time.Second {
			t.Logf("slow publish %s: partition %d confirmed after %v", m.ID, m.Partition, d.Round(time.Millisecond))
		}
		return err
	}
}

// viaProxy dials the addresses in to through their proxies and every other one straight
// (kafka.Dialer).
type viaProxy struct {
	to map[string]string // broker address → proxy address
}

func (v *viaProxy) Dial(network, addr string) (net.Conn, error) {
	if p, ok := v.to[addr]; ok {
		addr = p
	}
	return net.DialTimeout(network, addr, 10*time.Second) // the URL's dial_timeout, which a dialer replaces
}

// kafkaNetVictim returns the address of a node that leads a partition of topic and is not
// group's coordinator (FindCoordinator answers before the group exists), that partition, and a
// partition another node leads.
func kafkaNetVictim(t *testing.T, topic, group string) (victim string, own, other int32) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	c, err := sarama.NewClient(kafkaClusterAddrs, cfg)
	if err != nil {
		t.Fatalf("cluster client: %v", err)
	}
	defer func() { _ = c.Close() }()
	coord, err := c.Coordinator(group)
	if err != nil {
		t.Fatalf("coordinator of %s: %v", group, err)
	}
	parts, err := c.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	leaders := make(map[int32]*sarama.Broker, len(parts))
	for _, p := range parts {
		b, err := c.Leader(topic, p)
		if err != nil {
			t.Fatalf("leader of %s/%d: %v", topic, p, err)
		}
		leaders[p] = b
		t.Logf("%s/%d led by %s", topic, p, b.Addr())
	}
	own, other = -1, -1
	for _, p := range parts {
		if own < 0 && leaders[p].ID() != coord.ID() {
			own = p
		}
	}
	for _, p := range parts {
		if own >= 0 && other < 0 && leaders[p].ID() != leaders[own].ID() {
			other = p
		}
	}
	if own < 0 || other < 0 {
		t.Fatalf("%s: no partition led by a node other than the group's coordinator %s, or all led by one node", topic, coord.Addr())
	}
	t.Logf("group %s: coordinator %s", group, coord.Addr())
	return leaders[own].Addr(), own, other
}

// kafkaNodeName returns the node (kafka-N) listening at addr.
func kafkaNodeName(addr string) string {
	for i, a := range kafkaClusterAddrs {
		if a == addr {
			return fmt.Sprintf("kafka-%d", i+1)
		}
	}
	return addr
}
