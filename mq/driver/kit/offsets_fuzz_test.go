package kit

import (
	"testing"
)

// refTracker is the reference model of OffsetTracker: per partition every
// delivered offset in order and which finished; the commit point is the
// first unfinished delivered offset, or one past the last delivered when
// all finished, or -1 before any delivery.
type refTracker map[int32]*refPart

type refPart struct {
	offs      []int64
	delivered map[int64]bool
	done      map[int64]bool
}

func (r refTracker) delivered(p int32, o int64) {
	rp := r[p]
	if rp == nil {
		rp = &refPart{delivered: map[int64]bool{}, done: map[int64]bool{}}
		r[p] = rp
	}
	if n := len(rp.offs); n > 0 && o <= rp.offs[n-1] {
		return
	}
	rp.offs = append(rp.offs, o)
	rp.delivered[o] = true
}

func (r refTracker) commit(p int32) int64 {
	rp := r[p]
	if rp == nil || len(rp.offs) == 0 {
		return -1
	}
	for _, o := range rp.offs {
		if !rp.done[o] {
			return o
		}
	}
	return rp.offs[len(rp.offs)-1] + 1
}

func (r refTracker) finish(p int32, o int64) {
	if rp := r[p]; rp != nil && rp.delivered[o] {
		rp.done[o] = true
	}
}

// FuzzOffsetTracker runs a sequence of operations decoded from the input on
// an OffsetTracker and on refTracker and compares every commit point. Each
// operation takes two bytes: the kind and partition, and an offset delta
// (offsets may go backwards: redeliveries are ignored). A "run" operation
// delivers 2048 offsets and finishes all or every other one as they come, so the window's compaction happens.
func FuzzOffsetTracker(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 0, 1, 1, 0, 1, 255, 1, 0})
	f.Add([]byte{0, 5, 16, 5, 4, 0, 0, 3, 1, 0, 2, 0})
	f.Add([]byte{4, 0, 0, 200, 1, 0})       // a run, then an offset below it
	f.Add([]byte{0, 3, 4, 0, 0, 250, 3, 0}) // deliver, run, deliver lower
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr, ref := NewOffsetTracker(), refTracker{}
		cursor := map[int32]int64{}
		for i := 0; i+1 < len(ops); i += 2 {
			kind, p := ops[i]%5, int32(ops[i]/5%3)
			o := cursor[p] + int64(int8(ops[i+1]))
			switch kind {
			case 0:
				tr.Delivered(p, o)
				ref.delivered(p, o)
				if o > cursor[p] {
					cursor[p] = o
				}
			case 1:
				before := ref.commit(p)
				ref.finish(p, o)
				want := ref.commit(p)
				got, moved := tr.Done(p, o)
				if got != want || moved != (want != before) {
					t.Fatalf("op %d: Done(%d, %d) = %d, %v; reference %d, moved %v", i/2, p, o, got, moved, want, want != before)
				}
			case 2:
				tr.Reset(p)
				delete(ref, p)
			case 3:
			case 4:
				for k := int64(1); k <= 2048; k++ {
					tr.Delivered(p, o+k)
					ref.delivered(p, o+k)
					if k%2 == 1 || ops[i+1]%2 == 0 { // every one, or every other one
						tr.Done(p, o+k)
						ref.finish(p, o+k)
					}
				}
				if o+2048 > cursor[p] {
					cursor[p] = o + 2048
				}
			}
			for q := int32(0); q < 3; q++ {
				if got, want := tr.Committable(q), ref.commit(q); got != want {
					t.Fatalf("op %d (kind %d): Committable(%d) = %d, reference %d", i/2, kind, q, got, want)
				}
			}
		}
	})
}
