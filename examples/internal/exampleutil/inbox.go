package exampleutil

import (
	"context"

	"github.com/unimq/unimq/mq"
)

// runHeader carries the run's id on what an example publishes.
const runHeader = "run"

// Inbox collects the messages of this run of an example: Stamp marks what
// it publishes with the run's id (a header), Handle is a handler that
// passes the marked messages on (and acknowledges, ignoring them, those an
// earlier run left in a durable topic), Wait waits for them. Its methods are
// safe for concurrent use.
type Inbox struct {
	run string
	ch  chan *mq.Message
}

// NewInbox returns an inbox that holds up to capacity messages not yet
// waited for; Handle blocks (bounded by its context) when it is full.
func NewInbox(capacity int) *Inbox {
	return &Inbox{run: RunID(), ch: make(chan *mq.Message, capacity)}
}

// Sibling returns another inbox of the same run (what either stamps, both
// keep), for a second subscriber whose messages are waited for apart.
func (in *Inbox) Sibling(capacity int) *Inbox {
	return &Inbox{run: in.run, ch: make(chan *mq.Message, capacity)}
}

// Stamp marks m as this run's and returns it.
func (in *Inbox) Stamp(m *mq.Message) *mq.Message { return m.SetHeader(runHeader, in.run) }

// Ours reports whether m was published by this run.
func (in *Inbox) Ours(m *mq.Message) bool { return m.Header(runHeader) == in.run }

// Handle is an mq.Handler that hands this run's messages to Wait.
func (in *Inbox) Handle(ctx context.Context, m *mq.Message) error {
	if !in.Ours(m) {
		return nil
	}
	select {
	case in.ch <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait receives n messages of this run, calling each (when not nil) on
// every one, and returns once they arrived or with ctx's error.
func (in *Inbox) Wait(ctx context.Context, n int, each func(*mq.Message)) error {
	return Wait(ctx, in.ch, n, each)
}
