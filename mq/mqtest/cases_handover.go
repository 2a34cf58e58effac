package mqtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// testGracefulHandover: a group member that stops gracefully, or loses
// partitions/queues to a member that joins, hands over a committed
// position: the next member never gets a message whose handler already
// returned nil on the previous one, and nothing published is lost.
//
//   - close: member A handles a stream of messages (fast handlers that
//     always succeed) and is closed mid-stream; its Close returns nil. Member
//     B of the same group then subscribes and gets the rest, and markers
//     published after it subscribed; none of A's acknowledged messages.
//   - rebalance: A handles a stream, B joins the group mid-stream (on a
//     partitioned backend, partitions move from A to B); no message handled
//     successfully by A is handled again by B.
func testGracefulHandover(e *env) {
	e.mustDeclare(mq.CapGroups)
	e.t.Run("close", func(t *testing.T) { handoverClose(&env{t: t, h: e.h, ctx: e.ctx, caps: e.caps}) })
	e.t.Run("rebalance", func(t *testing.T) { handoverRebalance(&env{t: t, h: e.h, ctx: e.ctx, caps: e.caps}) })
}

// handoverBacklog publishes n messages "<prefix>-<i>", each with its own
// key (so they spread over partitions), from 8 concurrent publishers, so a
// member has a backlog (fetched and prefetched records) when it stops.
func handoverBacklog(e *env, c *mq.Client, topic, prefix string, n int) []string {
	e.t.Helper()
	all := ids(prefix, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				m := msg(all[i])
				m.Key = "k" + all[i]
				if err := c.Publish(e.ctx, topic, m); err != nil {
					errs <- fmt.Errorf("publish %s: %w", all[i], err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	return all
}

// doneIDs returns the ids whose handler returned nil, as a set.
func doneIDs(col *Collector) map[string]bool {
	out := map[string]bool{}
	for _, d := range col.Deliveries() {
		if d.Done() {
			out[d.Msg.ID] = true
		}
	}
	return out
}

// replays returns the ids in acked that b delivered again.
func replays(acked map[string]bool, b *Collector) []string {
	return replayed(acked, b.Deliveries())
}

// handoverMarkers publishes markers with distinct keys (so every partition
// of a partitioned topic likely gets one) and waits until col has them all.
func handoverMarkers(e *env, c *mq.Client, topic string, col *Collector) {
	e.t.Helper()
	marks := ids("marker", 8)
	for _, id := range marks {
		m := msg(id)
		m.Key = "marker-key-" + id
		e.publish(c, topic, m)
	}
	col.WaitDone(e.t, e.h.Wait, marks...)
}

const handoverN = 2000 // messages in each scenario

// handoverWork is a handler that always succeeds: it waits until gate is
// closed (the backlog is published: the member has records fetched and
// queued), then works for d (a short handler, so the member stops or loses
// partitions mid-stream).
func handoverWork(gate <-chan struct{}, d time.Duration) mq.Handler {
	return func(ctx context.Context, m *mq.Message) error {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		if d > 0 {
			time.Sleep(d) // the handler's work
		}
		return nil
	}
}
func handoverClose(e *env) {
	topic := e.topic()
	g := e.group()
	ca := e.client()
	a := NewCollector()
	gate := make(chan struct{})
	sa := e.subscribe(ca, topic, a.Handler("a", handoverWork(gate, 0)), mq.Group(g))
	published := handoverBacklog(e, e.client(), topic, "handover", handoverN)
	close(gate)
	a.WaitProgress(e.t, e.h.Wait, "member A to handle half the messages", func(ds []Delivery) bool { return len(ds) >= handoverN/2 })
	ctx, cancel := context.WithTimeout(e.ctx, e.h.Wait)
	err := sa.Close(ctx)
	cancel()
	if err != nil {
		e.t.Fatalf("member A's Close: %v", err)
	}
	acked := doneIDs(a)

	b := NewCollector()
	e.subscribe(e.client(), topic, b.Handler("b", nil), mq.Group(g))
	handoverMarkers(e, ca, topic, b)
	// Whatever A left is B's now: wait for all of it, then a little more.
	var rest []string
	for _, id := range published {
		if !acked[id] {
			rest = append(rest, id)
		}
	}
	b.WaitProgress(e.t, e.h.Wait, fmt.Sprintf("the %d messages A left handled by B", len(rest)), func(ds []Delivery) bool {
		return len(missing(ds, rest)) == 0
	})
	b.Never(e.t, e.h.Quiet, "a message A acknowledged delivered to B", func(ds []Delivery) bool {
		return len(replayed(acked, ds)) > 0
	})
	r := replays(acked, b)
	e.t.Logf("published %d, A acknowledged %d and was closed, B got %d deliveries, %d of them acknowledged by A",
		len(published), len(acked), b.Len(), len(r))
	if len(r) > 0 {
		e.t.Errorf("B got %d messages A had acknowledged before its Close returned nil (first: %v)", len(r), first(r, 5))
	}
}

func handoverRebalance(e *env) {
	topic := e.topic()
	g := e.group()
	col := NewCollector()
	gate := make(chan struct{})
	work := handoverWork(gate, 10*time.Millisecond)
	e.subscribe(e.client(), topic, col.Handler("a", work), mq.Group(g))
	cb := e.client()
	published := handoverBacklog(e, e.client(), topic, "rebalance", handoverN)
	close(gate)
	col.WaitProgress(e.t, e.h.Wait, "member A to handle a fifth of the messages", func(ds []Delivery) bool { return len(ds) >= handoverN/5 })
	e.subscribe(cb, topic, col.Handler("b", work), mq.Group(g))
	// Deliveries keep coming while the group works through the backlog:
	// on a loaded machine that takes longer than Wait, which then bounds
	// a pause instead.
	col.WaitProgress(e.t, e.h.Wait, "every published message handled by A or B", func(ds []Delivery) bool {
		done := map[string]bool{}
		for _, d := range ds {
			if d.Done() {
				done[d.Msg.ID] = true
			}
		}
		for _, id := range published {
			if !done[id] {
				return false
			}
		}
		return true
	})
	count := func(ds []Delivery) []string {
		acked := map[string]bool{}
		for _, d := range labelled(ds, "a") {
			if d.Done() {
				acked[d.Msg.ID] = true
			}
		}
		return replayed(acked, labelled(ds, "b"))
	}
	if e.h.RebalanceReplays == "" {
		col.Never(e.t, e.h.Quiet, "a message A acknowledged delivered to B", func(ds []Delivery) bool { return len(count(ds)) > 0 })
	}
	ds := col.Deliveries()
	r := count(ds)
	e.t.Logf("published %d; A handled %d, B %d; %d acknowledged by A and handled again by B",
		len(published), len(labelled(ds, "a")), len(labelled(ds, "b")), len(r))
	switch {
	case len(r) > 0 && e.h.RebalanceReplays != "":
		e.t.Logf("replays declared by the harness (%s): first %v", e.h.RebalanceReplays, first(r, 5))
	case len(r) > 0:
		e.t.Errorf("B got %d messages A had acknowledged (first: %v)", len(r), first(r, 5))
	}
}

// labelled returns the deliveries of ds recorded under label.
func labelled(ds []Delivery, label string) []Delivery {
	var out []Delivery
	for _, d := range ds {
		if d.Label == label {
			out = append(out, d)
		}
	}
	return out
}

// replayed returns the ids in acked that ds delivered again.
func replayed(acked map[string]bool, ds []Delivery) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range ds {
		if acked[d.Msg.ID] && !seen[d.Msg.ID] {
			seen[d.Msg.ID] = true
			out = append(out, d.Msg.ID)
		}
	}
	return out
}
