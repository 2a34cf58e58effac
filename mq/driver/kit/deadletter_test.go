package kit

import (
	"testing"

	"github.com/unimq/unimq/mq/driver"
)

func TestDeadLetterHeadersKeepTheMessagesOwn(t *testing.T) {
	m := &driver.Message{Headers: map[string]string{"h": "v"}, Attempt: 3}
	h := DeadLetterHeaders(m, "orders", "billing", "boom")
	want := map[string]string{"h": "v", driver.HeaderDeadReason: "boom", driver.HeaderDeadTopic: "orders",
		driver.HeaderDeadGroup: "billing", driver.HeaderDeadAttempts: "3"}
	if len(h) != len(want) {
		t.Fatalf("headers %v, want %v", h, want)
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if _, ok := m.Headers[driver.HeaderDeadReason]; ok {
		t.Error("DeadLetterHeaders changed the message's own headers")
	}
}
