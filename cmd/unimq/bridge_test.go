package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
)

// sent is what the ledger expects at the destination for one id.
type sent struct {
	key, tag, body string
	headers        map[string]string
}

// publishLedger publishes n messages to topic on url with distinct ids,
// keys, tags and headers; it returns them by id.
func publishLedger(t *testing.T, ctx context.Context, url, topic string, n int) map[string]sent {
	t.Helper()
	c, err := mq.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	want := map[string]sent{}
	for i := range n {
		id := fmt.Sprintf("%s-%d", topic, i)
		s := sent{key: "k" + strconv.Itoa(i%5), tag: []string{"created", "paid"}[i%2], body: "body " + id,
			headers: map[string]string{"n": strconv.Itoa(i), "src": "ledger"}}
		m := &mq.Message{ID: id, Key: s.key, Tag: s.tag, Body: []byte(s.body), Headers: maps.Clone(s.headers)}
		if err := c.Publish(ctx, topic, m); err != nil {
			t.Fatal(err)
		}
		want[id] = s
	}
	return want
}

// ledgerReader is a consumer of the destination, opened before anything is
// bridged (a RabbitMQ group's queue exists from then on).
type ledgerReader struct {
	c *mq.Client
	k *mq.Consumer
}

func openLedger(t *testing.T, ctx context.Context, url, topic string) *ledgerReader {
	t.Helper()
	c, err := mq.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	opts := []mq.Option{mq.Group(unique("cli-check"))}
	if c.Capabilities().Has(mq.CapStartOldest) {
		opts = append(opts, mq.StartFrom(mq.Oldest))
	}
	k, err := c.NewConsumer(ctx, topic, opts...)
	if err != nil {
		c.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close(context.Background()); c.Close(context.Background()) })
	return &ledgerReader{c, k}
}

// check receives until every id of want arrived, and fails on a missing or
// changed one, or (unless dupsOK) a duplicate. It returns the number of
// duplicates.
func (l *ledgerReader) check(t *testing.T, ctx context.Context, want map[string]sent, dupsOK bool) (dups int) {
	t.Helper()
	seen := map[string]int{}
	for len(seen) < len(want) {
		msgs, err := l.k.Receive(ctx, 64, 0)
		if err != nil {
			t.Fatalf("after %d of %d ids: %v", len(seen), len(want), err)
		}
		for _, m := range msgs {
			s, ok := want[m.ID]
			if !ok {
				t.Fatalf("unexpected id %q (key %q body %q)", m.ID, m.Key, m.Body)
			}
			seen[m.ID]++
			if seen[m.ID] > 1 {
				if !dupsOK {
					t.Fatalf("id %s received twice", m.ID)
				}
				dups++
			}
			h := map[string]string{}
			for k, v := range m.Headers {
				if !strings.HasPrefix(k, reservedPrefix) {
					h[k] = v
				}
			}
			if m.Key != s.key || m.Tag != s.tag || string(m.Body) != s.body || !maps.Equal(h, s.headers) {
				t.Fatalf("id %s: got key %q tag %q body %q headers %v, want %+v", m.ID, m.Key, m.Tag, m.Body, m.Headers, s)
			}
			if err := m.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dups
}

// waitFor waits until cond holds, failing t at ctx's deadline.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// bridgeCase starts a bridge in-process, publishes n ledger messages at the
// source once it is subscribed, and checks the destination's ledger.
func bridgeCase(t *testing.T, srcURL, dstURL string, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src, dst := unique("cli-bridge-src"), unique("cli-bridge-dst")
	l := openLedger(t, ctx, dstURL, dst)
	var stdout bytes.Buffer
	var stderr brokertest.SyncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"bridge", srcURL, src, dstURL, dst, "--group", unique("cli-bridge"),
			"--count", strconv.Itoa(n), "--progress", "1ms"}, nil, &stdout, &stderr, func(string) string { return "" })
	}()
	waitFor(t, ctx, "the bridge to subscribe", func() bool {
		select {
		case c := <-code:
			t.Fatalf("bridge ended early: %d %s", c, stderr.String())
		default:
		}
		return strings.Contains(stderr.String(), "bridging ")
	})
	want := publishLedger(t, ctx, srcURL, src, n)
	if c := <-code; c != exitOK || !strings.Contains(stderr.String(), "bridge progress: total=") || !strings.Contains(stderr.String(), fmt.Sprintf("bridged %d messages", n)) {
		t.Fatalf("bridge: exit %d\n%s", c, stderr.String())
	}
	// Every source tells the group's lag (RocketMQ through rocketmq.Backlog).
	if hasLag := strings.Contains(stderr.String(), " lag="); !hasLag {
		t.Fatalf("progress lag shown: %v, for source %s\n%s", hasLag, srcURL, stderr.String())
	}
	l.check(t, ctx, want, false)
}

// TestBridgeProgressTellsLag: with a backlog at the source, progress lines
// tell the bridge group's lag, which falls as the bridge copies.
func TestBridgeProgressTellsLag(t *testing.T) {
	src, dst := memURL(t), memURLNamed(t, "-dst")
	mustRun(t, src, "", "topics", "create", "t", "--group", "g")
	mustRun(t, src, "", "publish", "t", "--count", "40")
	r := mustRun(t, "", "", "bridge", src, "t", dst, "t", "--group", "g", "--rate", "20", "--concurrency", "1",
		"--count", "40", "--progress", "20ms")
	var lags []int
	for _, m := range lagRE.FindAllStringSubmatch(r.stderr, -1) {
		n, _ := strconv.Atoi(m[1])
		lags = append(lags, n)
	}
	if len(lags) < 2 || lags[0] < 20 || lags[len(lags)-1] >= lags[0] {
		t.Fatalf("lags %v (want a first one of at least 20, then falling):\n%s", lags, r.stderr)
	}
}

var lagRE = regexp.MustCompile(` lag=(\d+)`)

func TestBridgeMemory(t *testing.T) {
	bridgeCase(t, memURL(t), memURLNamed(t, "-dst"), 200)
}

// TestBridgePairs bridges a ledger across ordered pairs of different
// backends. Cases with RocketMQ run in a go test -race=false child.
func TestBridgePairs(t *testing.T) {
	urls := map[string]func(testing.TB) string{
		"kafka":    brokertest.KafkaURL,
		"rabbitmq": brokertest.AMQPURL,
		"rocketmq": brokertest.RocketMQURL,
		"memory":   func(tb testing.TB) string { return memURLNamed(tb, "-pair") },
	}
	for _, p := range [][2]string{
		{"kafka", "rabbitmq"}, {"rabbitmq", "kafka"},
		{"kafka", "rocketmq"}, {"rocketmq", "kafka"},
		{"rabbitmq", "rocketmq"}, {"rocketmq", "rabbitmq"},
		{"memory", "kafka"}, {"rabbitmq", "memory"}, {"memory", "rocketmq"},
	} {
		name := p[0] + "-to-" + p[1]
		t.Run(name, func(t *testing.T) {
			if (p[0] == "rocketmq" || p[1] == "rocketmq") && brokertest.RaceFree(t) {
				return
			}
			bridgeCase(t, urls[p[0]](t), urls[p[1]](t), 100)
		})
	}
}

// TestBridgeAcksOnlyConfirmedCopies: a copy the destination refuses (too
// large for it) is not acknowledged at the source: the bridge's group gets
// the message again, with a higher attempt.
func TestBridgeAcksOnlyConfirmedCopies(t *testing.T) {
	src := memURL(t)
	dst := "memory://" + unique("cli-small") + "?maxsize=64" // lives while the bridge holds it
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mustRun(t, src, "", "topics", "create", "t", "--group", "bridge-g")
	mustRun(t, src, "", "publish", "t", "--count", "1", "--size", "1000")
	bctx, bcancel := context.WithCancel(ctx)
	stderr := new(brokertest.SyncBuffer)
	code := make(chan int, 1)
	go func() {
		code <- run(bctx, []string{"bridge", src, "t", dst, "t", "--group", "bridge-g", "--progress", "0"},
			nil, new(strings.Builder), stderr, func(string) string { return "" })
	}()
	waitFor(t, ctx, "the destination to refuse the copy", func() bool {
		select {
		case c := <-code:
			t.Fatalf("bridge ended: %d %s", c, stderr.String())
		default:
		}
		return strings.Contains(stderr.String(), "not confirmed, the source redelivers it")
	})
	t.Log(stderr.String())
	bcancel()
	<-code
	// The message is back for the group at once (the bridge's Close returned
	// it); a bridge that acked it would leave nothing.
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	r := invokeCtx(cctx, src, nil, "consume", "t", "--group", "bridge-g", "--count", "1", "--format", "json")
	if rs := records(t, r.stdout); r.code != exitOK || len(rs) != 1 || rs[0].Attempt < 2 || len(rs[0].Body) != 1000 {
		t.Fatalf("the source message after a refused copy: %+v", r)
	}
}
