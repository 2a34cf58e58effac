package memory_test

import (
	"context"
	"testing"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed/typedtest"
)

// TestTypedConformance runs the typed layer's suite (codecs, content type,
// decode failures, router, dedup) on the memory backend. Memory has no
// client of its own: the content type is checked on the received message.
func TestTypedConformance(t *testing.T) {
	url := uniqueURL(t, "")
	typedtest.Run(t, typedtest.Harness{
		Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) { return mq.Open(ctx, url) },
	})
}
