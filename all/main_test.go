package all_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestMain: no goroutine is left behind, but those the client libraries
// start once per process and those rocketmq-client-go v2.1.2 leaves after
// Shutdown (brokertest.RocketMQClientGoroutines).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, append(brokertest.ProcessGoroutines, brokertest.RocketMQClientGoroutines...)...)
}
