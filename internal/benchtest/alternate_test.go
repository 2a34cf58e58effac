package benchtest

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{5}, 5}, {[]float64{4, 1, 3, 2}, 3}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestAlternateGivesEachSideItsShare(t *testing.T) {
	var rawN, uniN, calls []int
	res := testing.Benchmark(func(b *testing.B) {
		rawN, uniN, calls = nil, nil, nil
		Alternate(b, func(n int) (time.Duration, error) {
			rawN, calls = append(rawN, n), append(calls, 0)
			return time.Millisecond, nil
		}, func(n int) (time.Duration, error) {
			uniN, calls = append(uniN, n), append(calls, 1)
			return 2 * time.Millisecond, nil
		})
	})
	if len(rawN) != Rounds || len(uniN) != Rounds {
		t.Fatalf("rounds: raw %d, unimq %d, want %d each", len(rawN), len(uniN), Rounds)
	}
	if calls[0] != 0 || calls[2] != 1 {
		t.Errorf("the side going first does not alternate: %v", calls)
	}
	if got := res.Extra["unimq/raw"]; got != 0.5 {
		t.Errorf("unimq/raw = %v, want 0.5", got)
	}
}

func TestParallelRunsNAndReportsAnError(t *testing.T) {
	var calls atomic.Int64
	if err := Parallel(1000, 8, func() error { calls.Add(1); return nil }); err != nil || calls.Load() != 1000 {
		t.Fatalf("Parallel: err %v, %d calls, want nil and 1000", err, calls.Load())
	}
	boom := errors.New("boom")
	if err := Parallel(100, 4, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Parallel returned %v, want the op's error", err)
	}
}

var sink [][]byte

// What a round runs through Setup does not count in its per-message
// allocations; what it runs itself does.
func TestSetupIsLeftOutOfPerMessageFigures(t *testing.T) {
	alloc := func(k int) {
		for i := 0; i < k; i++ {
			sink = append(sink, make([]byte, 64))
		}
		sink = nil
	}
	res := testing.Benchmark(func(b *testing.B) {
		Alternate(b, func(n int) (time.Duration, error) {
			err := Setup(func() error { alloc(1000 * n); return nil })
			return time.Millisecond, err
		}, func(n int) (time.Duration, error) {
			alloc(1000 * n)
			return time.Millisecond, nil
		})
	})
	if raw := res.Extra["raw-allocs/msg"]; raw > 100 {
		t.Errorf("raw-allocs/msg = %v: Setup's 1000 allocations per message were counted", raw)
	}
	if uni := res.Extra["unimq-allocs/msg"]; uni < 1000 {
		t.Errorf("unimq-allocs/msg = %v, want at least 1000", uni)
	}
	if _, ok := res.Extra["unimq-cpu-ns/msg"]; !ok {
		t.Error("no unimq-cpu-ns/msg reported")
	}
}

func TestCompareRotatesTheFirstSideAndReportsRatiosToTheReference(t *testing.T) {
	var order []string
	side := func(name string, d time.Duration) Side {
		return Side{name, func(n int) (time.Duration, error) {
			order = append(order, name)
			return d, nil
		}}
	}
	res := testing.Benchmark(func(b *testing.B) {
		order = nil
		Compare(b, "unimq", side("raw", time.Millisecond), side("unimq", 2*time.Millisecond), side("peer", 4*time.Millisecond))
	})
	if len(order) != 3*Rounds {
		t.Fatalf("%d runs, want %d", len(order), 3*Rounds)
	}
	if order[0] != "raw" || order[3] != "unimq" || order[6] != "peer" {
		t.Errorf("the side going first does not rotate: %v", order[:9])
	}
	if got := res.Extra["unimq/raw"]; got != 0.5 {
		t.Errorf("unimq/raw = %v, want 0.5", got)
	}
	if got := res.Extra["unimq/peer"]; got != 2 {
		t.Errorf("unimq/peer = %v, want 2", got)
	}
	if _, ok := res.Extra["unimq/unimq"]; ok {
		t.Error("the reference is compared with itself")
	}
}
