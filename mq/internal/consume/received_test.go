package consume

import (
	"context"
	"sync"
	"testing"

	"github.com/unimq/unimq/mq/driver"
)

type baseKey struct{}

// The receive loop reports every Receive's outcome to Received (three
// failures, then successes), and handlers' ctx carries Base's values.
func TestEngineReportsReceivesAndCarriesBase(t *testing.T) {
	sub := newFakeSub()
	sub.receiveErr = func(call int) error {
		if call <= 3 {
			return driver.Errorf(driver.CodeUnavailable, "receive", "broker away (%d)", call)
		}
		return nil
	}
	var mu sync.Mutex
	var outcomes []bool // true: success
	got := make(chan any, 1)
	p := Policy{Concurrency: 1, Held: 4,
		Base: context.WithValue(context.Background(), baseKey{}, "info"),
		Received: func(err error) {
			mu.Lock()
			outcomes = append(outcomes, err == nil)
			mu.Unlock()
		}}
	start(t, sub, p, func(ctx context.Context, m *msg) error {
		got <- ctx.Value(baseKey{})
		return nil
	})
	sub.put("m1")
	if v := <-got; v != "info" {
		t.Fatalf("handler ctx value %v, want the Base's", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(outcomes) < 4 || outcomes[0] || outcomes[1] || outcomes[2] || !outcomes[3] {
		t.Fatalf("Received saw %v, want three failures then a success", outcomes)
	}
}
