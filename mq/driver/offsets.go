package driver

import "sync"

// OffsetTracker does the ack bookkeeping of a partitioned log: messages of a
// partition may finish out of order, but the committable offset only moves
// past a message once it and every message before it have finished. Kafka and
// the memory backend use it so that a commit never skips an unfinished
// message. It is safe for concurrent use.
type OffsetTracker struct {
	mu    sync.Mutex
	parts map[int32]*partOffsets
}

type partOffsets struct {
	next    int64          // first offset not yet committable
	pending map[int64]bool // offset -> done, for delivered offsets >= next
}

// NewOffsetTracker returns an empty tracker.
func NewOffsetTracker() *OffsetTracker {
	return &OffsetTracker{parts: map[int32]*partOffsets{}}
}

func (t *OffsetTracker) part(p int32) *partOffsets {
	po := t.parts[p]
	if po == nil {
		po = &partOffsets{next: -1, pending: map[int64]bool{}}
		t.parts[p] = po
	}
	return po
}

// Delivered records that offset of partition p was handed out.
func (t *OffsetTracker) Delivered(p int32, offset int64) {
	t.mu.Lock()
	po := t.part(p)
	if po.next < 0 || offset < po.next {
		if po.next < 0 {
			po.next = offset
		}
	}
	if offset >= po.next {
		if _, ok := po.pending[offset]; !ok {
			po.pending[offset] = false
		}
	}
	t.mu.Unlock()
}

// Done records that offset of partition p finished and returns the new
// committable offset (the next offset to consume; Kafka's commit value) and
// whether it moved.
func (t *OffsetTracker) Done(p int32, offset int64) (commit int64, moved bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	po := t.part(p)
	if _, ok := po.pending[offset]; !ok {
		return po.next, false
	}
	po.pending[offset] = true
	start := po.next
	for {
		done, ok := po.pending[po.next]
		if !ok || !done {
			break
		}
		delete(po.pending, po.next)
		po.next++
	}
	// Offsets may have gaps (compacted topics, transaction markers): if the
	// lowest pending offset is above next, jump to it.
	if len(po.pending) > 0 {
		low := int64(-1)
		for o := range po.pending {
			if low < 0 || o < low {
				low = o
			}
		}
		if low > po.next {
			po.next = low
			for {
				done, ok := po.pending[po.next]
				if !ok || !done {
					break
				}
				delete(po.pending, po.next)
				po.next++
			}
		}
	}
	return po.next, po.next != start
}

// Committable returns the committable offset of p (-1 if nothing delivered).
func (t *OffsetTracker) Committable(p int32) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if po := t.parts[p]; po != nil {
		return po.next
	}
	return -1
}

// Reset forgets partition p (after a rebalance revoked it).
func (t *OffsetTracker) Reset(p int32) {
	t.mu.Lock()
	delete(t.parts, p)
	t.mu.Unlock()
}
