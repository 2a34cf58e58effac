package bench

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// window counts the deliveries of a consume round and times them from the
// first to the last, so that joining a group or opening a consumer is left
// out.
type window struct {
	want  int64
	first atomic.Int64 // unix nanos of the first delivery
	got   atomic.Int64
	done  chan struct{}
}

func newWindow(n int) *window { return &window{want: int64(n), done: make(chan struct{})} }

func (w *window) add() {
	w.first.CompareAndSwap(0, time.Now().UnixNano())
	if w.got.Add(1) == w.want {
		close(w.done)
	}
}

// wait waits for the last delivery (at most five minutes) and returns the
// time since the first.
func (w *window) wait() (time.Duration, error) {
	select {
	case <-w.done:
		return time.Since(time.Unix(0, w.first.Load())), nil
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("consumed %d of %d", w.got.Load(), w.want)
	}
}

var errNacked = errors.New("a fill message was nacked by the broker")
