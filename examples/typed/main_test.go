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
// package's main_test.go).
const childEnv = "UNIMQ_TYPED_EXAMPLE_TEST_CHILD"

// rocketMQGoroutines are what rocketmq-client-go leaves behind after
// Shutdown (the rocketmq package's tests list the same).
var rocketMQGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/primitive.WithRecover"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).pullMessage"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).Start.func1.1"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal/remote.(*remotingClient).receiveResponse"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).RebalanceImmediately"),
}

// TestTypedExample runs the example's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/typed` does: memory:// (MQ_URL unset) and
// each real broker's URL. A missing broker skips its case, or fails it
// under UNIMQ_REQUIRE_BROKERS=1.
func TestTypedExample(t *testing.T) {
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
				runChild(t, "^TestTypedExample$/^rocketmq$")
				return
			}
			t.Setenv("MQ_URL", c.url(t))
			// Names of this run: the brokers are shared, and a RocketMQ
			// group is broker-wide.
			suffix := "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			defer func(tp, d, gr string) { topic, dlq, group = tp, d, gr }(topic, dlq, group)
			topic += suffix
			dlq += suffix
			group += suffix

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			t.Log(out.String())
			want := "published 5 messages\n" +
				"created: order 7 for 42.00\n" +
				"paid: order 7 via card (application/json)\n" +
				"dead letter created: typed: decoding application/json body into main.Order: json: cannot unmarshal string into Go struct field Order.id of type int\n" +
				"dead letter refunded: typed: no route for the message's tag \"refunded\"\n"
			if !strings.HasSuffix(out.String(), want) {
				t.Fatalf("output:\n%s\nwant it to end with:\n%s", out.String(), want)
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// go test puts $GOROOT/bin first on the test's PATH.
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
