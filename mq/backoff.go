package mq

import (
	"time"

	"github.com/unimq/unimq/mq/driver/kit"
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
	return func(attempt int) time.Duration { return kit.Backoff(attempt, min, max) }
}

// ConstantBackoff always waits d.
func ConstantBackoff(d time.Duration) Backoff {
	return func(int) time.Duration { return d }
}
