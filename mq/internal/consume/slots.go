package consume

import (
	"context"
	"sync"
	"time"
)

// slotPool bounds how many messages an Engine holds (queued or running).
// Unlike a buffered channel used as a semaphore, it hands out and takes back
// many slots in one operation, so a batch of messages costs one acquire and
// one release instead of one channel operation each. One goroutine (the
// receive loop) acquires; any goroutine releases.
type slotPool struct {
	mu   sync.Mutex
	free int
	wake chan struct{} // signalled when slots are released
}

func newSlotPool(n int) *slotPool {
	return &slotPool{free: n, wake: make(chan struct{}, 1)}
}

// acquire waits until at least one slot is free and takes every free slot;
// it returns 0 when ctx is done first. When fewer than want are free it
// waits up to patience (measured from when the first slot was free) for
// more, so that under load a batch is worth its hand-offs; t is the
// caller's timer for that wait (stopped, reused).
func (p *slotPool) acquire(ctx context.Context, want int, patience time.Duration, t *time.Timer) int {
	armed := false
	defer func() {
		if armed && !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	}()
	for {
		p.mu.Lock()
		n := p.free
		if n > 0 && (n >= want || patience <= 0) {
			p.free = 0
			p.mu.Unlock()
			return n
		}
		p.mu.Unlock()
		if n > 0 && !armed {
			armed = true
			t.Reset(patience)
		}
		select {
		case <-p.wake:
		case <-t.C:
			armed = false
			patience = 0 // waited enough: take what is free
		case <-ctx.Done():
			return 0
		}
	}
}

// release gives n slots back.
func (p *slotPool) release(n int) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	p.free += n
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
