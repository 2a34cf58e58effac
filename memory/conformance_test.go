package memory_test

import (
	"context"
	"testing"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// conformanceURL: txcheck is short so check-back tests are quick.
const conformanceURL = "memory://conformance?txcheck=50ms"

// TestConformance runs the shared suite against a named broker held by
// NewBroker for the whole run, so state survives clients coming and going
// as on a real broker. The suite's default waits are kept: CI runs it next
// to real brokers on a busy machine.
func TestConformance(t *testing.T) {
	b, err := memory.NewBroker("conformance", memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mqtest.Run(t, mqtest.Harness{
		Open: func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error) {
			return mq.Open(ctx, conformanceURL, opts...)
		},
		// A restart of the in-memory broker is a dropped connection: data
		// stays, every subscription loses its deliveries in flight and
		// resumes.
		Restart: func(ctx context.Context, t testing.TB) error {
			b.DropConnections()
			return nil
		},
	})
}
