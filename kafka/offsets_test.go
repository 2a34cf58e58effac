package kafka

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// offsetWindow's committable offset is always the first delivered offset
// not finished (or one past the last delivered), over random completion
// orders and offsets with gaps.
func TestOffsetWindowCommitsOnlyContiguousFinished(t *testing.T) {
	for round := 0; round < 300; round++ {
		w := newOffsetWindow()
		var offs []int64
		o := int64(rand.IntN(100))
		for i := 0; i < 1+rand.IntN(3000); i++ {
			o += 1 + int64(rand.IntN(3)/2) // occasional gaps
			offs = append(offs, o)
			w.delivered(o)
		}
		finished := map[int64]bool{}
		want := func() int64 {
			for _, o := range offs {
				if !finished[o] {
					return o
				}
			}
			return offs[len(offs)-1] + 1
		}
		order := append([]int64(nil), offs...)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		prev := w.next
		for _, o := range order {
			finished[o] = true
			got, moved := w.finish(o)
			require.Equal(t, want(), got)
			require.Equal(t, got != prev, moved)
			prev = got
		}
		_, moved := w.finish(order[0]) // twice: no effect
		require.False(t, moved)
		_, moved = w.finish(o + 100) // never delivered: no effect
		require.False(t, moved)
	}
}
