package kit

import (
	"math"
	"sort"
	"sync"
)

// OffsetTracker does the ack bookkeeping of a partitioned log: messages of a
// partition may finish out of order, but the committable offset only moves
// past a message once it and every message delivered before it have finished.
// Kafka-like drivers use it so that a commit never skips an unfinished
// message. Offsets of a partition must be delivered in increasing order;
// gaps (compaction, transaction markers) are skipped. Delivered and Done are
// O(log n) at worst and O(1) amortized. It is safe for concurrent use.
type OffsetTracker struct {
	mu    sync.Mutex
	parts map[int32]*offsetWindow
}

// offsetWindow holds the delivered offsets of one partition in delivery
// (= offset) order, from the first unfinished one on.
type offsetWindow struct {
	offs []int64
	done []bool
	head int   // index of the first unfinished offset
	next int64 // committable offset; -1 before the first delivery
	last int64 // the highest offset delivered (offs may have been emptied by compaction)
}

// NewOffsetTracker returns an empty tracker.
func NewOffsetTracker() *OffsetTracker {
	return &OffsetTracker{parts: map[int32]*offsetWindow{}}
}

// Delivered records that offset of partition p was handed out. An offset not
// above the last delivered one is ignored (a redelivery of the same record).
func (t *OffsetTracker) Delivered(p int32, offset int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.parts[p]
	if w == nil {
		w = &offsetWindow{next: -1, last: math.MinInt64}
		t.parts[p] = w
	}
	if offset <= w.last {
		return
	}
	w.last = offset
	if w.head == len(w.offs) {
		w.next = offset // everything before finished: the gap is skipped
	}
	w.offs = append(w.offs, offset)
	w.done = append(w.done, false)
}

// Done records that offset of partition p finished and returns the
// committable offset (the next offset to consume: Kafka's commit value) and
// whether it moved. An offset never delivered changes nothing.
func (t *OffsetTracker) Done(p int32, offset int64) (commit int64, moved bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.parts[p]
	if w == nil {
		return -1, false
	}
	live := w.offs[w.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i] >= offset })
	if i == len(live) || live[i] != offset {
		return w.next, false
	}
	w.done[w.head+i] = true
	before := w.next
	for w.head < len(w.offs) && w.done[w.head] {
		w.next = w.offs[w.head] + 1
		w.head++
	}
	if w.head < len(w.offs) {
		w.next = w.offs[w.head]
	}
	if w.head >= 1024 && 2*w.head >= len(w.offs) {
		n := copy(w.offs, w.offs[w.head:])
		copy(w.done, w.done[w.head:])
		w.offs, w.done, w.head = w.offs[:n], w.done[:n], 0
	}
	return w.next, w.next != before
}

// Committable returns the committable offset of p (-1 if nothing delivered).
func (t *OffsetTracker) Committable(p int32) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.parts[p]; w != nil {
		return w.next
	}
	return -1
}

// Reset forgets partition p (after a rebalance revoked it).
func (t *OffsetTracker) Reset(p int32) {
	t.mu.Lock()
	delete(t.parts, p)
	t.mu.Unlock()
}
