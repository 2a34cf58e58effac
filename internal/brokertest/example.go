package brokertest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

// RunExample runs an example program's run function against the broker at
// url (given to it as MQ_URL, as `MQ_URL=... go run` does) with a deadline,
// then checks that it left no goroutine behind.
func RunExample(t *testing.T, url string, run func(ctx context.Context) error) {
	t.Helper()
	t.Setenv(mq.EnvURL, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		t.Fatal(err)
	}
	VerifyNoLeaks(t, 10*time.Second)
}

// TestSuffix makes a name unique to this test run ("-test-150405.000000").
func TestSuffix() string { return "-test-" + time.Now().Format("150405.000000") }

// EveryBackend runs body as a subtest per backend, with MQ_URL set as
// `MQ_URL=... go run ./examples/...` would: "memory" (MQ_URL empty: the
// example's default memory:// URL) and each real broker's URL. suffix is
// unique to the run, for the example's topic and group names (the brokers
// are shared, and a RocketMQ group is broker-wide). A missing broker skips
// its case, or fails it under UNIMQ_REQUIRE_BROKERS=1. RocketMQ's case runs
// in the race-free child (rocketmq-client-go races on its own). After body,
// no goroutine may be left.
func EveryBackend(t *testing.T, body func(t *testing.T, backend, suffix string)) {
	cases := []struct {
		name string
		url  func(t testing.TB) string
		leak []goleak.Option
	}{
		{"memory", func(testing.TB) string { return "" }, nil},
		{"kafka", KafkaURL, nil},
		{"rabbitmq", AMQPURL, nil},
		{"rocketmq", RocketMQURL, RocketMQClientGoroutines},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "rocketmq" && RaceFree(t) {
				return
			}
			t.Setenv(mq.EnvURL, c.url(t))
			body(t, c.name, "-"+strconv.FormatInt(time.Now().UnixNano(), 36))
			VerifyNoLeaks(t, 30*time.Second, c.leak...)
		})
	}
}
