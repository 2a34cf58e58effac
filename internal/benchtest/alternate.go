// Package benchtest holds what the adapters' benchmarks share: running the
// adapter and the raw client in alternating rounds of one benchmark, so
// that load drift on a shared machine hits both sides alike.
package benchtest

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Rounds is how many alternating raw/unimq rounds Alternate makes; each
// side gets b.N/Rounds messages per round.
const Rounds = 5

// Alternate runs raw and unimq in alternating rounds (which side goes first
// alternates too); each returns how long its n messages took. It reports the
// median rate of each side (raw-msg/s, unimq-msg/s), the median of the
// per-round ratios (unimq/raw), the figure the targets are stated in, and
// the median heap allocations per message of each side (raw-allocs/msg,
// unimq-allocs/msg: everything the process allocated during the round,
// untimed set-up inside the round included).
func Alternate(b *testing.B, raw, unimq func(n int) (time.Duration, error)) {
	b.Helper()
	n := max(b.N/Rounds, 1)
	var rawRates, uniRates, ratios, rawAllocs, uniAllocs []float64
	run := func(f func(int) (time.Duration, error), rates, allocs *[]float64) (time.Duration, error) {
		before := mallocs()
		d, err := f(n)
		*allocs = append(*allocs, float64(mallocs()-before)/float64(n))
		*rates = append(*rates, float64(n)/d.Seconds())
		return d, err
	}
	for r := 0; r < Rounds; r++ {
		var err error
		if r%2 == 0 {
			if _, err = run(raw, &rawRates, &rawAllocs); err == nil {
				_, err = run(unimq, &uniRates, &uniAllocs)
			}
		} else {
			if _, err = run(unimq, &uniRates, &uniAllocs); err == nil {
				_, err = run(raw, &rawRates, &rawAllocs)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		ratios = append(ratios, uniRates[r]/rawRates[r])
	}
	b.ReportMetric(Median(rawRates), "raw-msg/s")
	b.ReportMetric(Median(uniRates), "unimq-msg/s")
	b.ReportMetric(Median(ratios), "unimq/raw")
	b.ReportMetric(Median(rawAllocs), "raw-allocs/msg")
	b.ReportMetric(Median(uniAllocs), "unimq-allocs/msg")
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// Median is the middle value of xs (the upper one for an even count).
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Timed runs f and returns how long it took.
func Timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

// Parallel runs op n times on conc goroutines and returns the first error
// (a goroutine stops at its first error; the others finish the count).
func Parallel(n, conc int, op func() error) error {
	var next atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return nil
}
