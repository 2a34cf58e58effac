// Package ledger keeps the books of a failover test: every publish the
// caller was told succeeded (confirmed), every delivery, and the faults
// injected on the way. At the end, lost = confirmed − delivered must be
// empty; duplicates are counted; for each fault, the time from the fault to
// the first confirmed publish started after it and to the first delivery of
// such a message is the recovery time.
//
// A Ledger is safe for concurrent use; none of its methods blocks except
// Publish (for as long as its send function) and WaitDelivered (until every
// confirmed message was delivered or its ctx is done).
package ledger

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Ledger records publishes, deliveries and faults. The zero value is not
// usable: call New.
type Ledger struct {
	mu        sync.Mutex
	started   map[string]time.Time // id → when its publish started
	confirmed map[string]bool
	failed    int
	delivered map[string]int // id → deliveries
	unknown   int            // deliveries of ids never published through this ledger
	faults    []*Fault
}

// Fault is one injected failure and what it cost.
type Fault struct {
	Name string
	At   time.Time
	// Only: recovery is measured with the messages whose ID starts with
	// Only ("": every message), e.g. those sent to the part of a cluster
	// the fault hit (FaultOf).
	Only string
	// Publish and Deliver: from At to the first confirmed publish started
	// after At, and to the first delivery of such a message (0: not yet).
	Publish, Deliver time.Duration
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{started: map[string]time.Time{}, confirmed: map[string]bool{}, delivered: map[string]int{}}
}

// Publish records a publish of message id: send is called, and only when
// it returns nil is the message confirmed (an error means the caller was
// told, so the message may be absent). It returns send's error.
func (l *Ledger) Publish(id string, send func() error) error {
	start := time.Now()
	l.mu.Lock()
	l.started[id] = start
	l.mu.Unlock()
	err := send()
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.failed++
		return err
	}
	l.confirmed[id] = true
	for _, f := range l.faults {
		if f.Publish == 0 && start.After(f.At) && strings.HasPrefix(id, f.Only) {
			f.Publish = now.Sub(f.At)
		}
	}
	return nil
}

// Delivered records one delivery of message id.
func (l *Ledger) Delivered(id string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	start, ok := l.started[id]
	if !ok {
		l.unknown++
		return
	}
	l.delivered[id]++
	for _, f := range l.faults {
		if f.Deliver == 0 && start.After(f.At) && strings.HasPrefix(id, f.Only) {
			f.Deliver = now.Sub(f.At)
		}
	}
}

// Fault records that a failure named name is injected now; recovery is
// measured from this moment, with every message.
func (l *Ledger) Fault(name string) *Fault { return l.FaultOf(name, "") }

// FaultOf is Fault measuring recovery with the messages whose ID starts
// with prefix only: a fault that stops part of a stream (one node's
// partitions) has not recovered while the rest of it flows.
func (l *Ledger) FaultOf(name, prefix string) *Fault {
	f := &Fault{Name: name, At: time.Now(), Only: prefix}
	l.mu.Lock()
	l.faults = append(l.faults, f)
	l.mu.Unlock()
	return f
}

// Recovered reports whether, since fault f, a publish was confirmed and
// one such message delivered.
func (l *Ledger) Recovered(f *Fault) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return f.Publish > 0 && f.Deliver > 0
}

// Counts returns the number of confirmed publishes and of distinct
// delivered messages.
func (l *Ledger) Counts() (confirmed, delivered int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.confirmed), len(l.delivered)
}

// WaitDelivered waits until every confirmed message was delivered at least
// once, checking every 50 ms, or until ctx is done (then it returns ctx's
// error).
func (l *Ledger) WaitDelivered(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if len(l.Report().Lost) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Report is the ledger's balance.
type Report struct {
	Confirmed, Failed, Delivered int
	Lost                         []string // confirmed, never delivered (sorted)
	Duplicates                   int      // deliveries beyond the first, over all messages
	Unconfirmed                  int      // delivered although the publish failed (allowed)
	Unknown                      int      // deliveries of ids this ledger never published
	Faults                       []Fault
}

// Report returns the balance now.
func (l *Ledger) Report() Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := Report{Confirmed: len(l.confirmed), Failed: l.failed, Delivered: len(l.delivered), Unknown: l.unknown}
	for id := range l.confirmed {
		if l.delivered[id] == 0 {
			r.Lost = append(r.Lost, id)
		}
	}
	sort.Strings(r.Lost)
	for id, n := range l.delivered {
		r.Duplicates += n - 1
		if !l.confirmed[id] {
			r.Unconfirmed++
		}
	}
	for _, f := range l.faults {
		r.Faults = append(r.Faults, *f)
	}
	return r
}

// String is the report on a few lines, for a test log.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "confirmed %d, failed publishes %d, delivered %d, lost %d, duplicates %d, delivered-unconfirmed %d, unknown %d",
		r.Confirmed, r.Failed, r.Delivered, len(r.Lost), r.Duplicates, r.Unconfirmed, r.Unknown)
	var pub, del []time.Duration
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "\n  fault %-28s first publish after %v, first delivery after %v", f.Name, f.Publish.Round(time.Millisecond), f.Deliver.Round(time.Millisecond))
		pub, del = append(pub, f.Publish), append(del, f.Deliver)
	}
	if len(r.Faults) > 0 {
		fmt.Fprintf(&b, "\n  recovery publish p50 %v p99 %v; delivery p50 %v p99 %v",
			Percentile(pub, 50), Percentile(pub, 99), Percentile(del, 50), Percentile(del, 99))
	}
	if len(r.Lost) > 0 {
		n := min(len(r.Lost), 10)
		fmt.Fprintf(&b, "\n  lost (first %d): %s", n, strings.Join(r.Lost[:n], " "))
	}
	return b.String()
}

// Percentile returns the p-th percentile (nearest rank) of ds, rounded to
// the millisecond; 0 for none. A zero duration (never recovered) counts as
// the largest.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool {
		if s[i] == 0 || s[j] == 0 {
			return s[j] == 0 && s[i] != 0
		}
		return s[i] < s[j]
	})
	rank := (p*len(s) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return s[rank-1].Round(time.Millisecond)
}
