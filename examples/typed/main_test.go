package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestTypedExample runs the example's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/typed` does: memory:// (MQ_URL unset) and
// each real broker's URL. A missing broker skips its case, or fails it
// under UNIMQ_REQUIRE_BROKERS=1.
func TestTypedExample(t *testing.T) {
	brokertest.EveryBackend(t, func(t *testing.T, backend, suffix string) {
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
		if !strings.Contains(out.String(), "backend: "+backend) {
			t.Fatalf("MQ_URL did not pick %s:\n%s", backend, out.String())
		}
	})
}
