package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestBatchExample runs the example's code unchanged on every backend, as
// `MQ_URL=... go run ./examples/batch` does: memory:// (MQ_URL unset) and
// each real broker's URL. A missing broker skips its case, or fails it
// under UNIMQ_REQUIRE_BROKERS=1.
func TestBatchExample(t *testing.T) {
	brokertest.EveryBackend(t, func(t *testing.T, backend, suffix string) {
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
		want := "backend: " + backend + "\n" +
			"published 40 readings\n" +
			"stored readings 0..39: 40 rows\n" +
			"reading 13 refused 1 time(s), then stored on its retry\n" +
			"readings offered again: [13] (the rest of its batch was acknowledged)\n" +
			"bulk inserts of at most 10 readings: true\n"
		if out.String() != want {
			t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
		}
	})
}
