package mqtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
)

// spanKey is the ctx key under which the SettlementHooks middleware puts
// what a tracing middleware would: a span, here the message's ID.
type spanKey struct{}

// testSettlementHooks: a settlement hook sees every attempt a handler
// settled, with the attempt number that was settled (the failed one for
// EventRetried), and the ctx the handler got inside the subscription's
// middleware (a span a middleware started is visible to the hook). Each
// message fails twice and then succeeds: the hook must see retried 1,
// retried 2, acked 3, on every message (redelivery paths of a backend may
// differ per message, so several are published).
func testSettlementHooks(e *env) {
	var mu sync.Mutex
	seen := map[string][]string{}
	var problems []string
	topic := e.topic()
	hook := func(ctx context.Context, ev mq.Event) {
		if ev.Kind == mq.EventPublished || ev.Topic != topic {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		seen[ev.ID] = append(seen[ev.ID], fmt.Sprintf("%s#%d", ev.Kind, ev.Attempt))
		if span, _ := ctx.Value(spanKey{}).(string); span != ev.ID {
			problems = append(problems, fmt.Sprintf("%s of %s#%d: the hook's ctx carries span %q, not the handler's", ev.Kind, ev.ID, ev.Attempt, span))
		}
		if ev.Kind == mq.EventRetried && ev.Err == nil {
			problems = append(problems, fmt.Sprintf("retry of %s#%d without the handler's error", ev.ID, ev.Attempt))
		}
	}
	c := e.client(mq.WithHook(hook))
	span := func(next mq.Handler) mq.Handler {
		return func(ctx context.Context, m *mq.Message) error {
			return next(context.WithValue(ctx, spanKey{}, m.ID), m)
		}
	}
	col := NewCollector()
	want := ids("hook", 4)
	e.subscribe(c, topic, col.Handler("s", failUntil(3)), mq.Group(e.group()), fast(), mq.MaxAttempts(5),
		mq.WithMiddleware(span))
	e.publish(c, topic, msgs(want)...)
	col.WaitDone(e.t, e.h.Wait, want...)

	expect := []string{"acked#3", "retried#1", "retried#2"} // sorted
	settled := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range want {
			if len(seen[id]) < len(expect) {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(e.h.Wait)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range want {
		got := append([]string(nil), seen[id]...)
		sort.Strings(got) // hooks of one message may run on different goroutines
		if !eqStrings(got, expect) {
			e.t.Errorf("%s: the hook saw %v, want retried#1, retried#2, acked#3", id, seen[id])
		}
	}
	if len(problems) > 0 {
		e.t.Errorf("%s", strings.Join(problems, "\n"))
	}
}
