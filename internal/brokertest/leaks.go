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

// RocketMQClientGoroutines are the goroutines rocketmq-client-go v2.1.2
// leaves behind after Shutdown, which unimq cannot stop: nearly all run
// under primitive.WithRecover and sleep before they look at their done
// channel (statistics: up to an hour; the client's schedulers: 10 s; the
// push consumer's expiry scan: 15 min); the transaction producer's
// check-back loop ranges over a channel the client never closes; pull loops,
// connection readers and Start's one-off rebalance (which on a loaded broker
// can still wait for the client's rebalance lock after Shutdown) end a
// little later; go-cache's janitor is a package-level cache started by the
// client's init.
var RocketMQClientGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/primitive.WithRecover"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/producer.(*transactionProducer).checkTransactionState"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).pullMessage"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/consumer.(*pushConsumer).Start.func1.1"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal/remote.(*remotingClient).receiveResponse"),
	goleak.IgnoreAnyFunction("github.com/apache/rocketmq-client-go/v2/internal.(*rmqClient).RebalanceImmediately"),
	goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
}
