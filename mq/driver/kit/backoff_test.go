package kit

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterUpToMax(t *testing.T) {
	for _, c := range []struct {
		attempt  int
		min, max time.Duration
		base     time.Duration
	}{
		{1, 100 * time.Millisecond, 5 * time.Second, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 5 * time.Second, 200 * time.Millisecond},
		{4, 100 * time.Millisecond, 5 * time.Second, 800 * time.Millisecond},
		{7, 100 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		{math.MaxInt, 100 * time.Millisecond, 5 * time.Second, 5 * time.Second},
		{3, 0, 0, time.Millisecond},                          // min <= 0 is 1ms, max < min is min
		{200, time.Second, math.MaxInt64, math.MaxInt64 / 2}, // no overflow
	} {
		for i := 0; i < 50; i++ {
			d := Backoff(c.attempt, c.min, c.max)
			if d < c.base || d > c.base+c.base/5 && d != math.MaxInt64 {
				t.Fatalf("Backoff(%d, %v, %v) = %v, want %v plus up to 20%%", c.attempt, c.min, c.max, d, c.base)
			}
		}
	}
}

func TestSleepEndsWithCtx(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep reported false although d passed")
	}
	if !Sleep(context.Background(), 0) {
		t.Fatal("Sleep(0) on a live ctx reported false")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, 0) {
		t.Fatal("Sleep(0) on a done ctx reported true")
	}
	start := time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("Sleep reported true although ctx ended first")
	}
	if time.Since(start) > time.Minute {
		t.Fatal("Sleep outlived its ctx")
	}
}
