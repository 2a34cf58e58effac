package kafka

import "sort"

// offsetWindow is the at-least-once bookkeeping of one claimed partition,
// with the semantics of driver.OffsetTracker (the committable offset only
// moves past a record once it and every record delivered before it have
// finished) but O(1) amortized per record: records are delivered in offset
// order, so they sit in a slice in that order, a finished one is found by
// binary search and the window's head advances over finished records.
// Gaps in offsets (compaction, transaction markers) are skipped naturally:
// the committable offset is the next delivered offset not finished, or one
// past the last delivered. Callers hold claimState.mu.
type offsetWindow struct {
	offs []int64 // delivered offsets, ascending, from head
	done []bool
	head int   // first unfinished entry
	next int64 // committable offset; -1 before the first delivery
}

func newOffsetWindow() *offsetWindow { return &offsetWindow{next: -1} }

// delivered records offset as handed out (offsets must increase).
func (w *offsetWindow) delivered(offset int64) {
	if n := len(w.offs); n > 0 && offset <= w.offs[n-1] {
		return
	}
	if w.next < 0 {
		w.next = offset
	}
	w.offs = append(w.offs, offset)
	w.done = append(w.done, false)
}

// finish marks offset finished and returns the committable offset and
// whether it moved.
func (w *offsetWindow) finish(offset int64) (int64, bool) {
	live := w.offs[w.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i] >= offset })
	if i == len(live) || live[i] != offset {
		return w.next, false
	}
	w.done[w.head+i] = true
	start := w.next
	for w.head < len(w.offs) && w.done[w.head] {
		w.next = w.offs[w.head] + 1
		w.head++
	}
	if w.head < len(w.offs) {
		w.next = w.offs[w.head]
	}
	// compact once the finished prefix dominates
	if w.head > 1024 && w.head*2 > len(w.offs) {
		n := copy(w.offs, w.offs[w.head:])
		copy(w.done, w.done[w.head:])
		w.offs, w.done, w.head = w.offs[:n], w.done[:n], 0
	}
	return w.next, w.next != start
}
