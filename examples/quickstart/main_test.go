package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestQuickstart runs the quick start's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/quickstart` does: memory:// (MQ_URL unset,
// the README's first command) and each real broker's URL. A missing broker
// skips its case, or fails it under UNIMQ_REQUIRE_BROKERS=1 (CI).
func TestQuickstart(t *testing.T) {
	brokertest.EveryBackend(t, func(t *testing.T, backend, suffix string) {
		defer func(tp, gr string) { topic, group = tp, gr }(topic, group)
		topic += suffix
		group += suffix

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var out bytes.Buffer
		if err := run(ctx, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		t.Log(out.String())
		want := "received order-1001 tag=created attempt=1 body={\"order\":1001,\"amount\":\"42.00\"}"
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
		if !strings.Contains(out.String(), "backend: "+backend) {
			t.Fatalf("MQ_URL did not pick %s:\n%s", backend, out.String())
		}
	})
}
