package failover

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/ledger"
	"github.com/unimq/unimq/internal/netproxy"
)

// Network faults against RabbitMQ: the AMQP heartbeat (rabbitNetHeartbeat) is what tells a
// client that a silent connection is dead (amqp091 gives up after 3 heartbeats without a frame);
// connect_timeout bounds a connect to a node that accepts and never answers.
const (
	rabbitNetHeartbeat = 2 * time.Second
	rabbitNetLatency   = 200 * time.Millisecond
	// a fault that silences connections must recover within 3 heartbeats (noticed), one
	// connect_timeout (a silent node tried again) and a publish timeout (the publish in flight).
	rabbitNetRecover = 3*rabbitNetHeartbeat + 5*time.Second + publishTimeout + 10*time.Second
	// a node stays cut off well past the heartbeat timeout
	rabbitNetCutOff = 5 * rabbitNetHeartbeat
)

// TestRabbitMQQuorumNetworkFaults: every node of the cluster behind an in-test TCP proxy
// (internal/netproxy), one quorum queue, one subscriber and 2 publishers on the three-node URL
// of the proxies (heartbeat 2 s, connect_timeout 5 s). killCycles network faults, each on the
// proxy that relays the clients' connections: added latency (200 ms each way for a while: the
// stream must keep flowing, nobody moves), a half-open path (every connection goes silent for
// good, without FIN or RST: the clients must notice by the heartbeat and move to the next node),
// and the node cut off for longer than the heartbeat (silent connections, connects accepted and
// never answered, then healed). Nothing confirmed may be lost.
func TestRabbitMQQuorumNetworkFaults(t *testing.T) {
	requireCluster(t, "rabbitmq-cluster", rabbitmqClusterAddrs...)
	t.Parallel()
	exclusive(t, "rabbitmq-cluster")
	proxies := make([]*netproxy.Proxy, len(rabbitmqClusterAddrs))
	addrs := make([]string, len(rabbitmqClusterAddrs))
	for i, a := range rabbitmqClusterAddrs {
		p, err := netproxy.New(a)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() }) // after the clients (cleanups run last-in first-out)
		proxies[i], addrs[i] = p, p.Addr()
	}
	url := amqpURL(strings.Join(addrs, ",")) + fmt.Sprintf("?queue_type=quorum&heartbeat=%s&connect_timeout=5s", rabbitNetHeartbeat)
	l := ledger.New()
	topic, group := uniqueName("netfault-quorum"), "failover"

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := open(t, url).Declare(ctx, topic, group); err != nil {
		t.Fatalf("declare %s: %v", topic, err)
	}
	subscribe(t, open(t, url), l, topic, group)
	p := startPublishers(t, l, topic, true, open(t, url), open(t, url))
	flowing(t, l, 200)

	faults := []string{"latency", "half-open", "cut-off"}
	for cycle := range cycles() {
		i := busiest(proxies)
		px, name := proxies[i], fmt.Sprintf("rabbitmq-%d", i+1)
		switch kind := faults[cycle%len(faults)]; kind {
		case "latency":
			px.SetLatency(rabbitNetLatency)
			f := l.Fault(fmt.Sprintf("%v latency each way to %s (%d connections)", rabbitNetLatency, name, px.Relayed()))
			if !recovered(l, f, recoverTimeout) {
				t.Errorf("%s: no confirmed publish delivered within %v", f.Name, recoverTimeout)
			}
			flowing(t, l, 50)
			if n := px.Relayed(); n == 0 {
				t.Errorf("%s: the clients left the slow node (nothing relayed): latency is not a failure", f.Name)
			}
			px.SetLatency(0)
		case "half-open":
			n := px.HalfOpen()
			f := l.Fault(fmt.Sprintf("half-open: %d connections to %s silent", n, name))
			netRecovered(t, l, f, proxies, i)
		case "cut-off":
			n := px.CutOff()
			f := l.Fault(fmt.Sprintf("%s cut off (%d connections silent, connects unanswered)", name, n))
			netRecovered(t, l, f, proxies, i)
			if d := time.Until(f.At.Add(rabbitNetCutOff)); d > 0 {
				time.Sleep(d) // the fault's length (not a wait for a result): cut off past the heartbeat
			}
			px.Heal()
		}
		flowing(t, l, 200)
	}
	finish(t, l, p)
}

// netRecovered requires fault f on proxy i to recover within rabbitNetRecover, with the clients
// relayed by other proxies.
func netRecovered(t *testing.T, l *ledger.Ledger, f *ledger.Fault, proxies []*netproxy.Proxy, i int) {
	t.Helper()
	if !recovered(l, f, rabbitNetRecover) {
		c, d := l.Counts()
		t.Errorf("%s: no confirmed publish delivered within %v (confirmed %d, delivered %d)", f.Name, rabbitNetRecover, c, d)
		return
	}
	others := 0
	for j, p := range proxies {
		if j != i {
			others += p.Relayed()
		}
	}
	t.Logf("%s: recovered; %d connections on the other nodes", f.Name, others)
	if others == 0 {
		t.Errorf("%s: recovered but no connection moved to another node", f.Name)
	}
}

// busiest returns the index of the proxy relaying the most connections.
func busiest(proxies []*netproxy.Proxy) int {
	best := 0
	for i, p := range proxies {
		if p.Relayed() > proxies[best].Relayed() {
			best = i
		}
	}
	return best
}
