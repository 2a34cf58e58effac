package mq

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff returns the delay before the redelivery that follows failed
// attempt number attempt (1 for the first delivery).
type Backoff func(attempt int) time.Duration

// ExponentialBackoff doubles from min up to max, with up to 20% jitter added
// so that failing consumers do not retry in lockstep. Its work is bounded
// whatever the attempt number (a received message's attempt may come from
// another client's header).
func ExponentialBackoff(min, max time.Duration) Backoff {
	if min <= 0 {
		min = time.Millisecond
	}
	if max < min {
		max = min
	}
	return func(attempt int) time.Duration {
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
}

// ConstantBackoff always waits d.
func ConstantBackoff(d time.Duration) Backoff {
	return func(int) time.Duration { return d }
}
