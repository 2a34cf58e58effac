package rabbitmq

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// A link closed before its supervisor goroutine first ran (a client
// closed right after Open, on a busy machine) finds no connection: the
// supervisor returns instead of watching a nil connection (it panicked in
// a clean-clone make test under load).
func TestLinkSupervisorAfterEarlyClose(t *testing.T) {
	l := &link{name: "t", cfg: &config{}, log: slog.New(slog.DiscardHandler), done: make(chan struct{}), up: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.cancel() // what close does first; it then takes l.conn (nil here)
	go l.supervise()
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the supervisor did not return")
	}
}
