package all_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestMain: no goroutine is left behind, but those the client libraries
// start once per process and those rocketmq-client-go v2.1.2 leaves after
// Shutdown (listed in the rocketmq package's tests).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, append(brokertest.ProcessGoroutines,
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/primitive.WithRecover"),
		goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal/remote.(*remotingClient).receiveResponse"),
	)...)
}
