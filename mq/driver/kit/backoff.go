package kit

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is the delay before retry number attempt (1 for the first retry):
// min doubled attempt-1 times, at most max, plus up to 20% jitter so that
// clients that failed together do not retry in lockstep. Its work is
// bounded whatever attempt is, and it never overflows. A min <= 0 is 1 ms;
// a max below min is min.
func Backoff(attempt int, min, max time.Duration) time.Duration {
	if min <= 0 {
		min = time.Millisecond
	}
	if max < min {
		max = min
	}
	d := min
	for i := 1; i < attempt && d < max; i++ {
		if d > max/2 {
			d = max // doubling would pass max (or overflow)
			break
		}
		d *= 2
	}
	j := time.Duration(rand.Int64N(int64(d)/5 + 1))
	if d > math.MaxInt64-j {
		return math.MaxInt64
	}
	return d + j
}

// Sleep waits d or until ctx is done, and reports whether d passed. A d <= 0
// returns at once: true unless ctx is done.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
