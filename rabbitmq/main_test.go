package rabbitmq_test

import (
	"testing"

	"go.uber.org/goleak"
)

// internal/brokertest imports rocketmq-client-go, whose go-cache janitor is
// a process-wide goroutine started at init.
var leakOpts = []goleak.Option{goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run")}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakOpts...)
}
