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
