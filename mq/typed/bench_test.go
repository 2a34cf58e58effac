package typed_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed"
)

// What the typed layer adds to a handler call over decoding by hand: the
// content type check and the generic plumbing.
func BenchmarkHandleJSON(b *testing.B) {
	body, _ := json.Marshal(item{SKU: "sku-123456", N: 42})
	m := &mq.Message{Body: body, Headers: map[string]string{typed.HeaderContentType: "application/json"}}
	ctx := context.Background()
	b.Run("typed.Handle", func(b *testing.B) {
		h := typed.Handle(typed.JSON, func(context.Context, item, *mq.Message) error { return nil })
		b.ReportAllocs()
		for b.Loop() {
			if err := h(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("by hand", func(b *testing.B) {
		h := func(_ context.Context, m *mq.Message) error {
			var v item
			return json.Unmarshal(m.Body, &v)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := h(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
