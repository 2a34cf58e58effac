package consume

import (
	"context"
	"testing"
	"time"
)

func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// acquire takes every free slot at once when at least want are free.
func TestSlotsAcquireTakesAllWhenEnoughAreFree(t *testing.T) {
	p := newSlotPool(8)
	if n := p.acquire(context.Background(), 4, time.Hour, newStoppedTimer()); n != 8 {
		t.Fatalf("acquired %d, want all 8", n)
	}
}

// With fewer than want free, acquire waits for releases up to patience,
// returns as soon as want are free, and after patience takes what is free.
func TestSlotsAcquireWaitsForABatchUpToPatience(t *testing.T) {
	p := newSlotPool(8)
	tm := newStoppedTimer()
	ctx := context.Background()
	p.acquire(ctx, 1, 0, tm) // all 8 taken
	p.release(2)
	go func() {
		time.Sleep(5 * time.Millisecond)
		p.release(3)
	}()
	start := time.Now()
	if n := p.acquire(ctx, 5, time.Minute, tm); n != 5 {
		t.Fatalf("acquired %d, want the 5 free once the second release came", n)
	}
	if waited := time.Since(start); waited < 4*time.Millisecond {
		t.Fatalf("returned after %v with fewer than want free", waited)
	}
	p.release(1)
	start = time.Now()
	if n := p.acquire(ctx, 5, 20*time.Millisecond, tm); n != 1 {
		t.Fatalf("acquired %d after patience, want the 1 free", n)
	}
	if waited := time.Since(start); waited < 15*time.Millisecond || waited > 10*time.Second {
		t.Fatalf("patience of 20ms took %v", waited)
	}
}

// A canceled ctx ends the wait with nothing taken.
func TestSlotsAcquireEndsOnCancel(t *testing.T) {
	p := newSlotPool(1)
	tm := newStoppedTimer()
	p.acquire(context.Background(), 1, 0, tm)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n := p.acquire(ctx, 1, time.Hour, tm); n != 0 {
		t.Fatalf("acquired %d with a canceled ctx and no free slot", n)
	}
	p.release(1)
	if n := p.acquire(context.Background(), 1, 0, tm); n != 1 {
		t.Fatalf("the slot was lost: acquired %d", n)
	}
}
