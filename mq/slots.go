package mq

import (
	"context"
	"sync"
)

// slotPool bounds how many messages a Subscriber holds (queued or running).
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
// it returns 0 when ctx is done first.
func (p *slotPool) acquire(ctx context.Context) int {
	for {
		p.mu.Lock()
		n := p.free
		p.free = 0
		p.mu.Unlock()
		if n > 0 {
			return n
		}
		select {
		case <-p.wake:
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
