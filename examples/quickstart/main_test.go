package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// childEnv marks the `go test` child that runs the RocketMQ case without
// -race: rocketmq-client-go v2.1.2 races on its own (see the rocketmq
// package's main_test.go), which would fail this test at random.
const childEnv = "UNIMQ_QUICKSTART_TEST_CHILD"

// rocketMQGoroutines are what rocketmq-client-go leaves behind after
// Shutdown (the rocketmq package's tests list the same).
var rocketMQGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/primitive.WithRecover"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).pullMessage"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).Start.func1.1"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal/remote.(*remotingClient).receiveResponse"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).RebalanceImmediately"),
}

// TestQuickstart runs the quick start's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/quickstart` does: memory:// (MQ_URL unset,
// the README's first command) and each real broker's URL. A missing broker
// skips its case, or fails it under UNIMQ_REQUIRE_BROKERS=1 (CI).
func TestQuickstart(t *testing.T) {
	cases := []struct {
		name string
		url  func(t *testing.T) string
		leak []goleak.Option
	}{
		{"memory", func(*testing.T) string { return "" }, nil},
		{"kafka", func(t *testing.T) string { return brokertest.KafkaURL(t) }, nil},
		{"rabbitmq", func(t *testing.T) string { return brokertest.AMQPURL(t) }, nil},
		{"rocketmq", func(t *testing.T) string { return brokertest.RocketMQURL(t) }, rocketMQGoroutines},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "rocketmq" && raceEnabled && os.Getenv(childEnv) == "" {
				runChild(t, "^TestQuickstart$/^rocketmq$")
				return
			}
			t.Setenv("MQ_URL", c.url(t))
			// Names of this run: the brokers are shared, and a RocketMQ
			// group is broker-wide.
			suffix := "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			defer func(tp, gr string) { topic, group = tp, gr }(topic, group)
			topic += suffix
			group += suffix

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			t.Log(out.String())
			want := "received order-1001 tag=created attempt=1 body={\"order\":1001,\"amount\":\"42.00\"}"
			if !strings.Contains(out.String(), want) {
				t.Fatalf("output lacks %q:\n%s", want, out.String())
			}
			if c.name != "memory" && !strings.Contains(out.String(), "backend: "+c.name) {
				t.Fatalf("MQ_URL did not pick %s:\n%s", c.name, out.String())
			}
			brokertest.VerifyNoLeaks(t, 30*time.Second, c.leak...)
		})
	}
}

// runChild runs the tests matching pattern in a `go test -race=false` child.
func runChild(t *testing.T, pattern string) {
	t.Helper()
	// go test puts $GOROOT/bin first on the test's PATH (Go 1.19 and later),
	// so "go" is the toolchain running this test.
	const goBin = "go"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "test", "-race=false", "-count=1", "-v", "-run", pattern, ".")
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
