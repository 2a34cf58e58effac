package rocketmq

import "testing"

// TestNextOffset: the offset Close commits for a queue is the first held
// message not acknowledged, or past the last pulled one when all were.
func TestNextOffset(t *testing.T) {
	acked := func(offs ...int64) *ackedQueue {
		a := &ackedQueue{offs: map[int64]struct{}{}}
		for _, o := range offs {
			a.offs[o] = struct{}{}
		}
		return a
	}
	for _, c := range []struct {
		name string
		v    pqView
		a    *ackedQueue
		want int64
	}{
		{"nothing pulled", pqView{empty: true}, nil, -1},
		{"nothing acknowledged", pqView{held: []int64{4, 5}, max: 5}, nil, 4},
		{"all held acknowledged", pqView{held: []int64{4, 5}, max: 5}, acked(4, 5), 6},
		{"a gap", pqView{held: []int64{4, 5, 6}, max: 6}, acked(4, 6), 5},
		{"first held not acknowledged", pqView{held: []int64{4, 5}, max: 5}, acked(5), 4},
		{"all removed by the client", pqView{empty: true, max: 9}, nil, 10},
		{"only offset 0, acknowledged and removed", pqView{empty: true}, acked(0), 1},
	} {
		if got := nextOffset(c.v, c.a); got != c.want {
			t.Errorf("%s: nextOffset = %d, want %d", c.name, got, c.want)
		}
	}
}
