package kit

import "sync"

// InFlight counts operations started and not finished yet (async sends
// waiting for their confirmation), so that a driver's Close can wait, bounded
// by its ctx, until none is left:
//
//	select {
//	case <-f.Idle():
//	case <-ctx.Done():
//	}
//
// Unlike a sync.WaitGroup, Start may be called while another goroutine
// waits, and the wait is a channel. The zero value is ready to use; every
// method is safe for concurrent use.
type InFlight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0 while someone waits
}

// Start counts one operation.
func (f *InFlight) Start() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

// Done counts one operation finished.
func (f *InFlight) Done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
	f.mu.Unlock()
}

// Idle returns a channel closed once no operation is in flight (at once
// when none is).
func (f *InFlight) Idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	return f.idle
}
