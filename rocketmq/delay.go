package rocketmq

import (
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// delayLevels are the broker's default messageDelayLevel
// ("1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"): level n is
// delayLevels[n-1].
var delayLevels = [...]time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, 5 * time.Minute,
	6 * time.Minute, 7 * time.Minute, 8 * time.Minute, 9 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
}

// MaxDelayLevel is the highest delay level (2h).
const MaxDelayLevel = len(delayLevels)

// timerMaxDelay is the broker's default timerMaxDelaySec (3 days).
const timerMaxDelay = 72 * time.Hour

// DelayLevelDuration returns how long delay level n (1..18) defers a message.
func DelayLevelDuration(n int) (time.Duration, error) {
	if n < 1 || n > MaxDelayLevel {
		return 0, driver.Stamp(backend, "delay level", driver.Errorf(driver.CodeInvalidArgument, "", "delay level %d out of range 1..%d", n, MaxDelayLevel))
	}
	return delayLevels[n-1], nil
}

// levelNotShorter returns the smallest level whose delay is >= d (0 for
// d <= 0, MaxDelayLevel when d is longer than every level).
func levelNotShorter(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	for i, l := range delayLevels {
		if l >= d {
			return i + 1
		}
	}
	return MaxDelayLevel
}
