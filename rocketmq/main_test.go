package rocketmq_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestMain: rocketmq-client-go v2.1.2 has data races of its own (Shutdown
// vs InvokeSync, the orderly consumer's process-queue tree, pullMessage,
// SubscriptionData.Clone vs a rebalance, Message.String vs
// resetRetryAndNamespace; traces in docs/rocketmq.md), which the race
// detector reports at random and which unimq cannot fix. Under -race the
// tests against the broker are therefore run in a child `go test` built
// without -race (brokertest.RaceFreeMain: same -run, -v and -short), after
// the broker-free tests ran here with the race detector.
func TestMain(m *testing.M) {
	flag.Parse()
	code := brokertest.RaceFreeMain("rocketmq", m.Run())
	if code == 0 {
		// Every goroutine of the adapter has ended; the client's own may
		// linger.
		if err := goleak.Find(brokertest.RocketMQClientGoroutines...); err != nil {
			fmt.Fprintf(os.Stderr, "rocketmq: goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// brokerURL returns the RocketMQ URL for a test against the broker, or
// skips it in the -race parent process (the child runs it).
func brokerURL(t testing.TB) string {
	t.Helper()
	if brokertest.InRaceFreeParent() {
		t.Skip("runs in the child process without -race (rocketmq-client-go races; see main_test.go)")
	}
	return brokertest.RocketMQURL(t)
}

// withParams appends URL query parameters to a broker URL that may have some.
func withParams(url, params string) string {
	if strings.Contains(url, "?") {
		return url + "&" + params
	}
	return url + "?" + params
}
