package brokertest

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// ProcessGoroutines are goroutines the broker clients' dependencies start
// once per process and never stop: go-cache's janitor (rocketmq-client-go,
// imported by this package) and go-metrics' meter arbiter (sarama).
var ProcessGoroutines = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
	goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
}

// VerifyNoLeaks fails t when goroutines other than ProcessGoroutines (and
// opts) are still running after wait: client libraries end some of theirs
// shortly after Close (sarama's fetchers, within one fetch wait), so it
// polls until they are gone or the deadline passes.
func VerifyNoLeaks(t testing.TB, wait time.Duration, opts ...goleak.Option) {
	t.Helper()
	opts = append(append([]goleak.Option{}, ProcessGoroutines...), opts...)
	deadline := time.Now().Add(wait)
	for {
		err := goleak.Find(opts...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // polling a condition with a deadline
	}
}
