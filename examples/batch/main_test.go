package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestBatchExample runs the example's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/batch` does: memory:// (MQ_URL unset) and
// each real broker's URL. A missing broker skips its case, or fails it
// under UNIMQ_REQUIRE_BROKERS=1.
func TestBatchExample(t *testing.T) {
	cases := []struct {
		name string
		url  func(t *testing.T) string
		leak []goleak.Option
	}{
		{"memory", func(*testing.T) string { return "" }, nil},
		{"kafka", func(t *testing.T) string { return brokertest.KafkaURL(t) }, nil},
		{"rabbitmq", func(t *testing.T) string { return brokertest.AMQPURL(t) }, nil},
		{"rocketmq", func(t *testing.T) string { return brokertest.RocketMQURL(t) }, brokertest.RocketMQClientGoroutines},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// rocketmq-client-go races on its own: RocketMQ without -race.
			if c.name == "rocketmq" && brokertest.RaceFree(t) {
				return
			}
			t.Setenv("MQ_URL", c.url(t))
			// Names of this run: the brokers are shared, and a RocketMQ
			// group is broker-wide.
			suffix := "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			defer func(tp, gr string) { topic, group = tp, gr }(topic, group)
			topic += suffix
			group += suffix

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			t.Log(out.String())
			want := "published 40 readings\n" +
				"stored readings 0..39: 40 rows\n" +
				"reading 13 refused 1 time(s), then stored on its retry\n" +
				"readings offered again: [13] (the rest of its batch was acknowledged)\n" +
				"bulk inserts of at most 10 readings: true\n"
			if !strings.HasSuffix(out.String(), want) {
				t.Fatalf("output:\n%s\nwant it to end with:\n%s", out.String(), want)
			}
			brokertest.VerifyNoLeaks(t, 30*time.Second, c.leak...)
		})
	}
}
