package mqtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// Delivery is one handler call a Collector recorded.
type Delivery struct {
	Msg   *mq.Message // a copy of the message as received
	Label string      // the label given to Collector.Handler (which subscriber)
	Start time.Time   // when the handler was called
	End   time.Time   // when it returned; zero while running
	Err   error       // what it returned (nil: the message was acknowledged)
}

// Done reports whether the handler returned nil (the message is acked).
func (d Delivery) Done() bool { return !d.End.IsZero() && d.Err == nil }

// Collector records deliveries from one or more subscribers and waits for
// conditions on them. It is safe for concurrent use.
type Collector struct {
	mu      sync.Mutex
	ds      []Delivery
	changed chan struct{} // closed and replaced on every change
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector {
	return &Collector{changed: make(chan struct{})}
}

func (c *Collector) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Handler returns a Handler that records every call under label and then
// runs fn (nil fn: acknowledge). fn's result is recorded and returned.
func (c *Collector) Handler(label string, fn mq.Handler) mq.Handler {
	return func(ctx context.Context, m *mq.Message) error {
		cp := *m
		cp.Body = append([]byte(nil), m.Body...)
		if m.Headers != nil {
			cp.Headers = make(map[string]string, len(m.Headers))
			for k, v := range m.Headers {
				cp.Headers[k] = v
			}
		}
		c.mu.Lock()
		i := len(c.ds)
		c.ds = append(c.ds, Delivery{Msg: &cp, Label: label, Start: time.Now()})
		c.notifyLocked()
		c.mu.Unlock()

		var err error
		defer func() {
			r := recover()
			if r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
			c.mu.Lock()
			c.ds[i].End = time.Now()
			c.ds[i].Err = err
			c.notifyLocked()
			c.mu.Unlock()
			if r != nil {
				panic(r) // the subscriber recovers it
			}
		}()
		if fn != nil {
			err = fn(ctx, m)
		}
		return err
	}
}

// Deliveries returns a copy of everything recorded, in call order.
func (c *Collector) Deliveries() []Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Delivery(nil), c.ds...)
}

// Of returns the deliveries of the message with id, in call order.
func (c *Collector) Of(id string) []Delivery {
	var out []Delivery
	for _, d := range c.Deliveries() {
		if d.Msg.ID == id {
			out = append(out, d)
		}
	}
	return out
}

// Attempts returns the Attempt of each delivery of id, in call order.
func (c *Collector) Attempts(id string) []int {
	var out []int
	for _, d := range c.Of(id) {
		out = append(out, d.Msg.Attempt)
	}
	return out
}

// Counts returns how many times each message id was delivered.
func (c *Collector) Counts() map[string]int {
	n := map[string]int{}
	for _, d := range c.Deliveries() {
		n[d.Msg.ID]++
	}
	return n
}

// Len returns the number of deliveries recorded.
func (c *Collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ds)
}

// Until waits up to d for cond to hold over the deliveries and reports
// whether it did. cond is evaluated on every change.
func (c *Collector) Until(d time.Duration, cond func([]Delivery) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ok := cond(c.ds)
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			c.mu.Lock()
			defer c.mu.Unlock()
			return cond(c.ds)
		}
	}
}

// UntilProgress is Until for a condition that takes many deliveries: it
// waits as long as deliveries keep coming, and gives up once none came for
// idle (or after 10×idle in all), so that a slow machine slows the wait
// down instead of failing it.
func (c *Collector) UntilProgress(idle time.Duration, cond func([]Delivery) bool) bool {
	total := time.NewTimer(10 * idle)
	defer total.Stop()
	quiet := time.NewTimer(idle)
	defer quiet.Stop()
	for {
		c.mu.Lock()
		ok := cond(c.ds)
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
			if !quiet.Stop() {
				select {
				case <-quiet.C:
				default:
				}
			}
			quiet.Reset(idle)
			continue
		case <-quiet.C:
		case <-total.C:
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return cond(c.ds)
	}
}

// WaitProgress fails t unless cond holds before deliveries stop coming for
// idle (UntilProgress); what describes the condition.
func (c *Collector) WaitProgress(t testing.TB, idle time.Duration, what string, cond func([]Delivery) bool) {
	t.Helper()
	if !c.UntilProgress(idle, cond) {
		t.Fatalf("no delivery for %v (or 10×that in all) while waiting for %s; got %s", idle, what, c.Summary())
	}
}

// WaitFor fails t unless cond holds within d; what describes the condition.
func (c *Collector) WaitFor(t testing.TB, d time.Duration, what string, cond func([]Delivery) bool) {
	t.Helper()
	if !c.Until(d, cond) {
		t.Fatalf("timed out after %v waiting for %s; got %s", d, what, c.Summary())
	}
}

// WaitDone fails t unless every id was delivered and acknowledged (its
// handler returned nil) within d.
func (c *Collector) WaitDone(t testing.TB, d time.Duration, ids ...string) {
	t.Helper()
	c.WaitFor(t, d, fmt.Sprintf("%d messages handled", len(ids)), func(ds []Delivery) bool {
		return len(missing(ds, ids)) == 0
	})
}

// Missing returns the ids among ids not yet delivered and acknowledged.
func (c *Collector) Missing(ids ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return missing(c.ds, ids)
}

func missing(ds []Delivery, ids []string) []string {
	done := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Done() {
			done[d.Msg.ID] = true
		}
	}
	var out []string
	for _, id := range ids {
		if !done[id] {
			out = append(out, id)
		}
	}
	return out
}

// Never fails t if cond becomes true within d (the Quiet window for a
// delivery that must not happen). It returns early on failure only.
func (c *Collector) Never(t testing.TB, d time.Duration, what string, cond func([]Delivery) bool) {
	t.Helper()
	if c.Until(d, cond) {
		t.Fatalf("%s within %v; got %s", what, d, c.Summary())
	}
}

// ExpectExactlyOnce waits the quiet window d and then fails t unless each of
// ids was delivered exactly once and nothing else was delivered.
func (c *Collector) ExpectExactlyOnce(t testing.TB, d time.Duration, ids ...string) {
	t.Helper()
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	c.Never(t, d, "a duplicate or unexpected delivery", func(ds []Delivery) bool {
		seen := map[string]bool{}
		for _, x := range ds {
			if !want[x.Msg.ID] || seen[x.Msg.ID] {
				return true
			}
			seen[x.Msg.ID] = true
		}
		return false
	})
	if m := c.Missing(ids...); len(m) > 0 {
		t.Fatalf("missing %d messages %v; got %s", len(m), first(m, 10), c.Summary())
	}
}

// Summary describes what was recorded, for failure messages.
func (c *Collector) Summary() string {
	ds := c.Deliveries()
	counts := map[string]int{}
	var order []string
	for _, d := range ds {
		if counts[d.Msg.ID] == 0 {
			order = append(order, d.Msg.ID)
		}
		counts[d.Msg.ID]++
	}
	var dup []string
	for id, n := range counts {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", id, n))
		}
	}
	sort.Strings(dup)
	var b strings.Builder
	fmt.Fprintf(&b, "%d deliveries of %d ids", len(ds), len(order))
	if len(order) > 0 {
		fmt.Fprintf(&b, " (first: %v)", first(order, 10))
	}
	if len(dup) > 0 {
		fmt.Fprintf(&b, " repeated: %v", first(dup, 10))
	}
	return b.String()
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}
