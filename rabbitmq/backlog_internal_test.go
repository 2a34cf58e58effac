package rabbitmq

import (
	"testing"
	"time"
)

// Backlog counts the retry queues of its own queue only, quorum ones
// included, never those of a queue whose name extends it.
func TestRetryQueuesOf(t *testing.T) {
	c := &conn{adm: &admin{}}
	for _, name := range []string{retryQueue("t.g", 100), retryQueue("t.g", 2500) + Quorum.hopSuffix(),
		retryQueue("t.g.x", 100), retryQueue("t.gx", 100), dlqName("t.g")} {
		c.adm.done.Store("r:"+name, declared{at: time.Now()})
	}
	c.adm.done.Store("q:t.g", declared{})
	got := map[string]bool{}
	for _, q := range c.retryQueuesOf("t.g") {
		got[q] = true
	}
	want := map[string]bool{"unimq.retry.t.g.100": true, "unimq.retry.t.g.2500.quorum": true}
	if len(got) != len(want) || !got["unimq.retry.t.g.100"] || !got["unimq.retry.t.g.2500.quorum"] {
		t.Fatalf("retry queues of t.g: %v, want %v", got, want)
	}
}
