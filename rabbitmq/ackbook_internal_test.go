package rabbitmq

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// fakeBroker keeps one channel's outstanding deliveries as RabbitMQ does:
// a multiple ack must name an outstanding tag and settles every outstanding
// one up to it; a single ack must name an outstanding tag. Anything else
// closes the channel (here: an error, remembered).
type fakeBroker struct {
	mu          sync.Mutex
	outstanding map[uint64]bool
	frames      int
	failed      error
}

func newFakeBroker(n int) *fakeBroker {
	f := &fakeBroker{outstanding: map[uint64]bool{}}
	for t := 1; t <= n; t++ {
		f.outstanding[uint64(t)] = true
	}
	return f
}

func (f *fakeBroker) Ack(tag uint64, multiple bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames++
	if f.failed != nil {
		return f.failed
	}
	if !f.outstanding[tag] {
		f.failed = fmt.Errorf("PRECONDITION_FAILED - unknown delivery tag %d (multiple %v)", tag, multiple)
		return f.failed
	}
	delete(f.outstanding, tag)
	if multiple {
		for t := range f.outstanding {
			if t < tag {
				delete(f.outstanding, t)
			}
		}
	}
	return nil
}

func (f *fakeBroker) nack(tag uint64) error { return f.Ack(tag, false) }

// In order, a batch is one frame.
func TestAckBookBatchIsOneFrame(t *testing.T) {
	f := newFakeBroker(10)
	b := newAckBook(f)
	if err := b.ack([]uint64{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	if err := b.ack([]uint64{6, 7, 8, 9, 10}); err != nil {
		t.Fatal(err)
	}
	if f.frames != 2 || len(f.outstanding) != 0 {
		t.Fatalf("%d frames, %d outstanding; want 2 and 0", f.frames, len(f.outstanding))
	}
}

// A delivery still being handled leaves a gap: what is above it is
// acknowledged alone (it counts against the prefetch), and once the gap is
// settled one multiple ack covers it without naming a settled tag.
func TestAckBookGapThenFill(t *testing.T) {
	f := newFakeBroker(6)
	b := newAckBook(f)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.ack([]uint64{1, 3, 4}))                             // 2 is running
	must(b.settle(5, func() error { return f.nack(5) }))       // 5 retried: republished, then acked alone
	must(b.ack([]uint64{2}))                                   // the gap fills
	must(b.settle(6, func() error { return f.Ack(6, false) })) // a dead letter's original
	if len(f.outstanding) != 0 || f.failed != nil {
		t.Fatalf("outstanding %v, broker error %v", f.outstanding, f.failed)
	}
	if b.base != 6 || len(b.above) != 0 {
		t.Fatalf("book base %d above %v; want 6 and empty", b.base, b.above)
	}
}

// Random interleavings of batch acks and single settlements from several
// goroutines never make the broker refuse a tag, and settle everything.
func TestAckBookRandomInterleavings(t *testing.T) {
	for round := 0; round < 200; round++ {
		const n = 300
		f := newFakeBroker(n)
		b := newAckBook(f)
		tags := make([]uint64, n)
		for i := range tags {
			tags[i] = uint64(i + 1)
		}
		rand.Shuffle(n, func(i, j int) { tags[i], tags[j] = tags[j], tags[i] })
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			part := tags[w*n/4 : (w+1)*n/4]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for len(part) > 0 {
					k := min(len(part), 1+rand.IntN(8))
					batch := slices.Clone(part[:k])
					part = part[k:]
					if rand.IntN(4) == 0 {
						for _, tag := range batch {
							_ = b.settle(tag, func() error { return f.Ack(tag, false) })
						}
						continue
					}
					_ = b.ack(batch)
				}
			}()
		}
		wg.Wait()
		if f.failed != nil || len(f.outstanding) != 0 {
			t.Fatalf("round %d: broker error %v, %d outstanding", round, f.failed, len(f.outstanding))
		}
	}
}
