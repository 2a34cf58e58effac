package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/memory"
)

// childEnv marks the `go test` child that runs the RocketMQ case without
// -race (rocketmq-client-go v2.1.2 races on its own; see the rocketmq
// package's main_test.go).
const childEnv = "UNIMQ_SERVICE_TEST_CHILD"

var leaks = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
	goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/primitive.WithRecover"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).pullMessage"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).Start.func1.1"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal/remote.(*remotingClient).receiveResponse"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).RebalanceImmediately"),
}

// TestService runs the service on every backend: an order that fails once
// is processed on its second attempt in the HTTP request's trace, a poison
// order is dead-lettered, the metrics count both, readiness follows the
// broker (memory: made unavailable and back), and SIGTERM's drain returns.
func TestService(t *testing.T) {
	cases := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"memory", func(*testing.T) string { return "" }},
		{"kafka", func(t *testing.T) string { return brokertest.KafkaURL(t) }},
		{"rabbitmq", func(t *testing.T) string { return brokertest.AMQPURL(t) }},
		{"rocketmq", func(t *testing.T) string { return brokertest.RocketMQURL(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "rocketmq" && raceEnabled && os.Getenv(childEnv) == "" {
				runChild(t, "^TestService$/^rocketmq$")
				return
			}
			suffix := "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			defer func(tp, gr string) { topic, group = tp, gr }(topic, group)
			topic, group = topic+suffix, group+suffix
			url := c.url(t)
			var down func(bool)
			if url == "" {
				name := "service-test" + suffix
				b, err := memory.NewBroker(name, memory.Config{})
				require.NoError(t, err)
				defer b.Close()
				url, down = "memory://"+name, b.SetUnavailable
			}
			runService(t, url, down)
			brokertest.VerifyNoLeaks(t, 10*time.Second, leaks...)
		})
	}
}

func runService(t *testing.T, url string, down func(bool)) {
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- serve(ctx, newLogger(logs), url, "127.0.0.1:0", ready) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-served:
		t.Fatalf("serve: %v\n%s", err, logs)
	case <-time.After(90 * time.Second):
		t.Fatal("not listening after 90 s")
	}
	assert.Equal(t, http.StatusOK, get(t, base+"/healthz"))
	waitStatus(t, base+"/readyz", http.StatusOK)

	resp, err := http.Post(base+"/orders", "text/plain", strings.NewReader("fail-once"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	traceID, id := resp.Header.Get("X-Trace-Id"), resp.Header.Get("X-Message-Id")
	require.Len(t, traceID, 32)
	processed := logs.wait(t, func(r map[string]any) bool { return r["msg"] == "order processed" && r["id"] == id })
	assert.Equal(t, traceID, processed["trace_id"], "the handler logs the HTTP request's trace id")
	assert.EqualValues(t, 2, processed["attempt"])
	failed := logs.wait(t, func(r map[string]any) bool { return r["msg"] == "order failed, will retry" && r["id"] == id })
	assert.Equal(t, traceID, failed["trace_id"])

	resp, err = http.Post(base+"/orders", "text/plain", strings.NewReader("poison"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	poison := resp.Header.Get("X-Message-Id")
	logs.wait(t, func(r map[string]any) bool { return r["msg"] == "unimq: message dead-lettered" && r["id"] == poison })

	m := metricsText(t, base)
	assert.Contains(t, m, `messaging_client_sent_messages_total{`)
	assert.Regexp(t, `unimq_messaging_retries_total\{[^}]*messaging_consumer_group_name="`+group+`"[^}]*\} 1\n`, m)
	waitMetric(t, base, `unimq_messaging_dead_letters_total\{[^}]*\} 1\n`)
	assert.Contains(t, m, `messaging_process_duration_seconds_bucket{`)

	if down != nil {
		down(true)
		waitStatus(t, base+"/readyz", http.StatusServiceUnavailable)
		down(false)
		waitStatus(t, base+"/readyz", http.StatusOK)
	}

	cancel() // as SIGTERM does
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("the drain did not end within 60 s")
	}
	logs.wait(t, func(r map[string]any) bool { return r["msg"] == "drained" })
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitStatus polls url until it answers status (30 s at most).
func waitStatus(t *testing.T, url string, status int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for get(t, url) != status {
		require.False(t, time.Now().After(deadline), "%s never answered %d", url, status)
		time.Sleep(50 * time.Millisecond) // polling a condition, with a deadline
	}
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func waitMetric(t *testing.T, base, pattern string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !regexpMatch(pattern, metricsText(t, base)) {
		require.False(t, time.Now().After(deadline), "metrics never matched %s:\n%s", pattern, metricsText(t, base))
		time.Sleep(50 * time.Millisecond) // polling a condition, with a deadline
	}
}

// lockedBuffer collects the JSON log lines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait returns the first log record matching ok, waiting up to 60 s.
func (b *lockedBuffer) wait(t *testing.T, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sc := bufio.NewScanner(strings.NewReader(b.String()))
		for sc.Scan() {
			var r map[string]any
			if json.Unmarshal(sc.Bytes(), &r) == nil && ok(r) {
				return r
			}
		}
		require.False(t, time.Now().After(deadline), "no such log record in:\n%s", b.String())
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
}

func runChild(t *testing.T, pattern string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-race=false", "-count=1", "-v", "-run", pattern, ".")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -race=false -run %s: %v\n%s", pattern, err, out)
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("skipped in the child:\n%s", out)
	}
	t.Logf("%s", out)
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
