package consume

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// failedErr names failed indexes, as mq.BatchError does.
type failedErr struct {
	idx []int
	err error
}

func (f *failedErr) Error() string { return f.err.Error() }

func failedIdx(err error) ([]int, error, bool) {
	var f *failedErr
	if errors.As(err, &f) {
		return f.idx, f.err, true
	}
	return nil, nil, false
}

// startBatch runs a batch engine over sub; batches records each batch's IDs.
func startBatch(t *testing.T, sub *fakeSub, p Policy, h func(ctx context.Context, ms []*msg) error) (*rig, func() [][]string) {
	t.Helper()
	var mu sync.Mutex
	var batches [][]string
	if p.FailedIndexes == nil {
		p.FailedIndexes = failedIdx
	}
	r := startWith(t, sub, p, Config[msg]{HandleBatch: func(ctx context.Context, ms []*msg) error {
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.dm.ID
		}
		mu.Lock()
		batches = append(batches, ids)
		mu.Unlock()
		return h(ctx, ms)
	}})
	return r, func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(batches)
	}
}

// A batch fills up to BatchSize; a half batch goes to the handler once
// the linger has passed.
func TestBatchSizeAndLinger(t *testing.T) {
	sub := newFakeSub()
	r, batches := startBatch(t, sub, Policy{Concurrency: 1, Held: 10, BatchSize: 4, BatchLinger: 100 * time.Millisecond},
		func(ctx context.Context, ms []*msg) error { return nil })
	sub.put(ids("m", 6)...)
	eventually(t, "6 acked", func() bool { a, _, _, _ := sub.snapshot(); return len(a) == 6 })
	bs := batches()
	if len(bs) != 2 || len(bs[0]) != 4 || len(bs[1]) != 2 {
		t.Fatalf("batches %v, want one of 4 then one of 2", bs)
	}
	begin := time.Now()
	sub.put("late")
	eventually(t, "late acked", func() bool { a, _, _, _ := sub.snapshot(); return len(a) == 7 })
	if waited := time.Since(begin); waited < 80*time.Millisecond {
		t.Fatalf("a half batch was handled after %v, before the linger of 100ms", waited)
	}
	eventually(t, "7 Acked events", func() bool { return len(r.eventList()) == 7 })
}

// A batch error naming indexes fails only those: nacked (then dead-lettered
// after MaxAttempts), the rest acked.
func TestBatchPartialFailure(t *testing.T) {
	sub := newFakeSub()
	_, _ = startBatch(t, sub, Policy{Concurrency: 2, Held: 10, BatchSize: 5, BatchLinger: 20 * time.Millisecond, MaxAttempts: 2},
		func(ctx context.Context, ms []*msg) error {
			var bad []int
			for i, m := range ms {
				if strings.HasPrefix(m.dm.ID, "bad") {
					bad = append(bad, i)
				}
			}
			if bad == nil {
				return nil
			}
			return &failedErr{bad, errors.New("row rejected")}
		})
	sub.put("ok0", "bad0", "ok1", "ok2", "bad1")
	eventually(t, "bad ones dead-lettered", func() bool { _, _, d, _ := sub.snapshot(); return len(d) == 2 })
	acked, nacked, dead, _ := sub.snapshot()
	sort.Strings(acked)
	sort.Strings(nacked)
	sort.Strings(dead)
	if !slices.Equal(acked, []string{"ok0", "ok1", "ok2"}) || !slices.Equal(nacked, []string{"bad0#1", "bad1#1"}) ||
		!slices.Equal(dead, []string{"bad0#2: row rejected", "bad1#2: row rejected"}) {
		t.Fatalf("acked %v nacked %v dead %v", acked, nacked, dead)
	}
}

// Ordered batches keep each key's order; a failed message is retried in
// place with the later messages of its key, before the lane goes on.
func TestBatchOrderedRetryKeepsKeyOrder(t *testing.T) {
	sub := newFakeSub()
	var mu sync.Mutex
	seen := map[string][]string{}
	failedOnce := false
	_, _ = startBatch(t, sub, Policy{Concurrency: 2, Held: 20, Ordered: true, BatchSize: 10, BatchLinger: 20 * time.Millisecond, MaxAttempts: 5},
		func(ctx context.Context, ms []*msg) error {
			mu.Lock()
			defer mu.Unlock()
			var bad []int
			for i, m := range ms {
				seen[m.dm.Key] = append(seen[m.dm.Key], m.dm.ID)
				if m.dm.ID == "a1" && !failedOnce {
					failedOnce = true
					bad = append(bad, i)
				}
			}
			if bad != nil {
				return &failedErr{bad, errors.New("boom")}
			}
			return nil
		})
	var ms []*driver.Message
	for i := 0; i < 4; i++ {
		for _, k := range []string{"a", "b"} {
			ms = append(ms, &driver.Message{ID: k + string(rune('0'+i)), Key: k, Attempt: 1})
		}
	}
	sub.putMsgs(ms...)
	eventually(t, "all acked", func() bool { a, _, _, _ := sub.snapshot(); return len(a) == 8 })
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"a0", "a1", "a2", "a3", "a1", "a2", "a3"}; !slices.Equal(seen["a"], want) {
		t.Errorf("key a ran %v, want %v (a1 retried with the rest of its key)", seen["a"], want)
	}
	if want := []string{"b0", "b1", "b2", "b3"}; !slices.Equal(seen["b"], want) {
		t.Errorf("key b ran %v, want %v", seen["b"], want)
	}
}

// Close waits for a running batch and acks it; messages gathered behind it
// are left unsettled.
func TestBatchCloseMidBatch(t *testing.T) {
	sub := newFakeSub()
	release := make(chan struct{})
	running := make(chan struct{}, 1)
	r, batches := startBatch(t, sub, Policy{Concurrency: 1, Held: 10, BatchSize: 3, BatchLinger: time.Millisecond},
		func(ctx context.Context, ms []*msg) error {
			running <- struct{}{}
			<-release
			return nil
		})
	sub.put(ids("m", 6)...)
	<-running
	closed := make(chan error, 1)
	go func() { closed <- r.eng.Close(context.Background()) }()
	eventually(t, "Close began", r.eng.Closing)
	close(release)
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	acked, nacked, dead, _ := sub.snapshot()
	if bs := batches(); len(bs) != 1 || !slices.Equal(acked, bs[0]) || len(nacked)+len(dead) != 0 {
		t.Fatalf("batches %v; acked %v nacked %v dead %v: want the running batch acked, nothing else settled", bs, acked, nacked, dead)
	}
}

// An error that names no index, and a panic, fail the whole batch.
func TestBatchWholeFailure(t *testing.T) {
	sub := newFakeSub()
	r, _ := startBatch(t, sub, Policy{Concurrency: 1, Held: 10, BatchSize: 3, BatchLinger: 20 * time.Millisecond},
		func(ctx context.Context, ms []*msg) error {
			switch ms[0].dm.Attempt {
			case 1:
				return errors.New("database down")
			case 2:
				panic("bad driver")
			}
			return nil
		})
	sub.put("x", "y", "z")
	eventually(t, "acked on attempt 3", func() bool { a, _, _, _ := sub.snapshot(); return len(a) == 3 })
	_, nacked, _, _ := sub.snapshot()
	sort.Strings(nacked)
	if want := []string{"x#1", "x#2", "y#1", "y#2", "z#1", "z#2"}; !slices.Equal(nacked, want) {
		t.Fatalf("nacked %v, want %v", nacked, want)
	}
	if !strings.Contains(r.log.String(), "batch handler panicked") {
		t.Fatal("the panic was not logged")
	}
}
