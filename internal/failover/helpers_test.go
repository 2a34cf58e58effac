package failover

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/internal/ledger"
	"github.com/unimq/unimq/mq"
)

// envClusters opts in to the cluster failover tests.
const envClusters = "UNIMQ_CLUSTERS"

// Bounds of every scenario (the whole cluster phase must stay well under 15 minutes on a
// 2-core machine): kill cycles, how long one fault may take to recover, how long the
// deliveries may take to catch up at the end.
const (
	killCycles      = 5
	recoverTimeout  = 90 * time.Second
	drainTimeout    = 120 * time.Second
	publishTimeout  = 15 * time.Second
	publishInterval = 10 * time.Millisecond // per publisher: at most 100 messages a second
)

// clusterMode reads UNIMQ_CLUSTERS: "1" (also true, yes, on) runs every scenario in full,
// "quick" runs one kill cycle and no rolling restart (make test's cluster phase), anything
// else skips the tests.
func clusterMode() string {
	switch v := strings.ToLower(strings.TrimSpace(os.Getenv(envClusters))); v {
	case "1", "true", "yes", "on":
		return "full"
	case "quick":
		return v
	}
	return ""
}

// cycles is how many kill cycles a scenario runs: killCycles, or one in quick mode.
func cycles() int {
	if clusterMode() == "quick" {
		return 1
	}
	return killCycles
}

// rollingNodes is the nodes a scenario's rolling restart stops in turn: all of them, none in
// quick mode.
func rollingNodes(nodes ...string) []string {
	if clusterMode() == "quick" {
		return nil
	}
	return nodes
}

// requireCluster skips t unless UNIMQ_CLUSTERS is 1 or quick; then it checks that every
// address answers and fails t (UNIMQ_REQUIRE_BROKERS=1) or skips it when one does not.
func requireCluster(t *testing.T, name string, addrs ...string) {
	t.Helper()
	if clusterMode() == "" {
		t.Skipf("cluster failover test: set %s=1 (or quick) with the clusters up (scripts/brokers.sh up clusters, or make test-clusters)", envClusters)
	}
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, 2*time.Second)
		if err != nil {
			msg := fmt.Sprintf("%s not reachable at %s (%v): run scripts/brokers.sh up %s", name, a, err, name)
			if brokertest.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		_ = c.Close()
	}
}

// clusterLocks serialize the tests of one cluster: each kills and cuts its nodes, which
// would blur another test's figures (tests of different clusters run in parallel).
var clusterLocks sync.Map // cluster name → *sync.Mutex

// exclusive holds cluster's lock until t and its cleanups are done (call it before anything
// that registers a cleanup: cleanups run last-in first-out).
func exclusive(t *testing.T, cluster string) {
	t.Helper()
	mu, _ := clusterLocks.LoadOrStore(cluster, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	t.Cleanup(mu.(*sync.Mutex).Unlock)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// node runs scripts/brokers.sh CMD NODE (kill: SIGKILL; restart: start again, keeping the
// data, and wait until it serves) and fails t when it fails.
func node(t testing.TB, cmd, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, filepath.Join(repoRoot(), "scripts", "brokers.sh"), cmd, name).CombinedOutput()
	t.Logf("brokers.sh %s %s (%v): %s", cmd, name, time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("brokers.sh %s %s: %v", cmd, name, err)
	}
}

// inject runs brokers.sh cmd name (kill or stop) and records the fault in the ledger once it
// returned, i.e. once the node is gone: recovery is measured from there.
func inject(t *testing.T, l *ledger.Ledger, cmd, name, what string) *ledger.Fault {
	t.Helper()
	node(t, cmd, name)
	return l.Fault(what)
}

// open opens url with opts and closes the client at the end of the test.
func open(t *testing.T, url string, opts ...mq.Option) *mq.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := mq.Open(ctx, url, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Logf("close %s: %v", url, err)
		}
	})
	return c
}

// subscribe adds a member of group to the stream's subscribers: every delivery goes to the ledger.
func subscribe(t *testing.T, c *mq.Client, l *ledger.Ledger, topic, group string) *mq.Subscriber {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := c.Subscribe(ctx, topic, func(_ context.Context, m *mq.Message) error {
		l.Delivered(m.ID)
		return nil
	}, mq.Group(group))
	if err != nil {
		t.Fatalf("subscribe %s/%s via %s: %v", topic, group, c, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Logf("close subscriber: %v", err)
		}
	})
	return s
}

// publishers publish a stream of distinct messages from several clients (startPublishers) or
// senders (startSenders), each recorded in the ledger, until Stop.
type publishers struct {
	stop   chan struct{}
	wg     sync.WaitGroup
	errors atomic.Int64

	mu    sync.Mutex
	kinds map[string]int // failed publishes by error text (message ID left out)
}

// failed records a failed publish of id by its error's text (up to the first " (": the
// details name connections and ports).
func (p *publishers) failed(id string, err error) {
	kind, _, _ := strings.Cut(strings.ReplaceAll(err.Error(), id, "ID"), " (")
	p.mu.Lock()
	p.kinds[kind]++
	p.mu.Unlock()
}

// logErrors logs how many publishes failed with each error text.
func (p *publishers) logErrors(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for kind, n := range p.kinds {
		t.Logf("failed publishes: %d × %s", n, kind)
	}
}

// With keyed, each message's Key is its ID (spread over partitions/queues by the key's hash);
// without, the backend picks (RocketMQ: the client's queue rotation, which avoids a broker that
// failed).
func startPublishers(t *testing.T, l *ledger.Ledger, topic string, keyed bool, clients ...*mq.Client) *publishers {
	senders := make([]sender, len(clients))
	for i, c := range clients {
		senders[i] = func(ctx context.Context, m *mq.Message) error {
			if keyed {
				m.Key = m.ID
			}
			return c.Publish(ctx, topic, m)
		}
	}
	return startSenders(t, l, "p", senders...)
}

// sender publishes one message of a stream (a client's Publish, with the options it needs).
type sender func(ctx context.Context, m *mq.Message) error

// startSenders publishes a stream of distinct messages (ID = body = prefix, the sender's
// number, a sequence number) from each sender, each recorded in the ledger, until Stop.
func startSenders(t *testing.T, l *ledger.Ledger, prefix string, senders ...sender) *publishers {
	p := &publishers{stop: make(chan struct{}), kinds: map[string]int{}}
	for n, send := range senders {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tick := time.NewTicker(publishInterval) // rate limit, not a wait for a result
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-p.stop:
					return
				case <-tick.C:
				}
				id := fmt.Sprintf("%s%d-%06d", prefix, n, i)
				err := l.Publish(id, func() error {
					ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
					defer cancel()
					return send(ctx, &mq.Message{ID: id, Body: []byte(id)})
				})
				if err != nil {
					p.failed(id, err)
					if p.errors.Add(1) <= 5 {
						t.Logf("publisher %s%d: %s: %v", prefix, n, id, err)
					}
				}
			}
		}()
	}
	t.Cleanup(p.Stop)
	return p
}

// Stop ends the publishers and waits for them.
func (p *publishers) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.wg.Wait()
}

// waitFor polls cond every 100 ms until it holds or d passes; it reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond) // polling a condition with a deadline
	}
	return true
}

// flowing waits until n more messages were confirmed and delivered than now.
func flowing(t *testing.T, l *ledger.Ledger, n int) {
	t.Helper()
	c0, d0 := l.Counts()
	if !waitFor(recoverTimeout, func() bool { c, d := l.Counts(); return c >= c0+n && d >= d0+n }) {
		c, d := l.Counts()
		t.Fatalf("the stream does not flow: confirmed %d→%d, delivered %d→%d in %v", c0, c, d0, d, recoverTimeout)
	}
}

// recovered waits until fault f recovered (a publish started after it confirmed and
// delivered); it reports whether it did within d.
func recovered(l *ledger.Ledger, f *ledger.Fault, d time.Duration) bool {
	return waitFor(d, func() bool { return l.Recovered(f) })
}

// finish stops the publishers, waits for every confirmed message to be delivered (bounded),
// logs the ledger's report and fails t when a confirmed message is lost.
func finish(t *testing.T, l *ledger.Ledger, p *publishers) ledger.Report {
	t.Helper()
	p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	_ = l.WaitDelivered(ctx)
	r := l.Report()
	t.Logf("LEDGER %s: %s", t.Name(), r)
	p.logErrors(t)
	if len(r.Lost) > 0 {
		t.Errorf("%d confirmed messages never delivered (lost)", len(r.Lost))
	}
	if r.Confirmed == 0 {
		t.Error("no publish was confirmed")
	}
	return r
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
}
