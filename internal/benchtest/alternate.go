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

// Rounds is how many alternating rounds Alternate and Compare make; each
// side gets b.N/Rounds messages per round. Seven, so that a median stands
// on enough rounds to ignore two disturbed ones.
const Rounds = 7

// Alternate runs raw and unimq in alternating rounds (which side goes first
// alternates too); each returns how long its n messages took. It reports the
// median rate of each side (raw-msg/s, unimq-msg/s), the median of the
// per-round ratios (unimq/raw), the figure the targets are stated in, and
// per message of each side the median heap allocations (raw-allocs/msg,
// unimq-allocs/msg), their bytes (raw-B/msg, unimq-B/msg) and the median
// CPU time of the whole process (raw-cpu-ns/msg, unimq-cpu-ns/msg):
// everything the round did except what it ran through Setup. CPU per message is the steadier figure on a
// machine shared with the broker: a rate swings with the broker's load,
// the client's own work per message does not.
func Alternate(b *testing.B, raw, unimq func(n int) (time.Duration, error)) {
	b.Helper()
	Compare(b, "unimq", Side{"raw", raw}, Side{"unimq", unimq})
}

// sides collects one side's figures, a value per round.
type sides struct {
	rates, allocs, bytes, cpu []float64
}

func (s *sides) run(f func(int) (time.Duration, error), n int) error {
	setup.reset()
	h0, c0 := heap(), CPUTime()
	d, err := f(n)
	h, c := heap().minus(h0), CPUTime()-c0
	sh, sc := setup.take()
	h = h.minus(sh)
	s.allocs = append(s.allocs, float64(h.mallocs)/float64(n))
	s.bytes = append(s.bytes, float64(h.bytes)/float64(n))
	s.cpu = append(s.cpu, float64(c-sc)/float64(n))
	s.rates = append(s.rates, float64(n)/d.Seconds())
	return err
}

// setup counts what Setup ran during the current round (benchmarks run
// one at a time, so one counter serves them all).
var setup setupCost

type setupCost struct {
	mu   sync.Mutex
	heap heapCount
	cpu  time.Duration
}

func (s *setupCost) reset() {
	s.mu.Lock()
	s.heap, s.cpu = heapCount{}, 0
	s.mu.Unlock()
}

func (s *setupCost) take() (heapCount, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heap, s.cpu
}

// Setup runs f, a round's set-up (producing the records a consume round
// reads, say), and leaves out its allocations and CPU time from the round's
// per-message figures. It returns f's error.
func Setup(f func() error) error {
	h0, c0 := heap(), CPUTime()
	err := f()
	h, c := heap().minus(h0), CPUTime()-c0
	setup.mu.Lock()
	setup.heap = setup.heap.plus(h)
	setup.cpu += c
	setup.mu.Unlock()
	return err
}

// heapCount is how many heap allocations the process made, and their bytes.
type heapCount struct{ mallocs, bytes uint64 }

func heap() heapCount {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heapCount{ms.Mallocs, ms.TotalAlloc}
}

func (h heapCount) minus(o heapCount) heapCount {
	return heapCount{h.mallocs - o.mallocs, h.bytes - o.bytes}
}
func (h heapCount) plus(o heapCount) heapCount {
	return heapCount{h.mallocs + o.mallocs, h.bytes + o.bytes}
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
