package kit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Values run in push order on one goroutine, also when pushed from several
// goroutines (each pusher's own order is kept), and Wait returns once all
// ran.
func TestCallbacksRunInOrder(t *testing.T) {
	const pushers, each = 4, 1000
	var mu sync.Mutex
	last := make([]int, pushers)
	var running, ran atomic.Int32
	c := NewCallbacks(func(v [2]int) {
		if running.Add(1) != 1 {
			t.Error("two callbacks ran at once")
		}
		mu.Lock()
		if v[1] != last[v[0]]+1 {
			t.Errorf("pusher %d: %d after %d", v[0], v[1], last[v[0]])
		}
		last[v[0]] = v[1]
		mu.Unlock()
		ran.Add(1)
		running.Add(-1)
	})
	var wg sync.WaitGroup
	for p := 0; p < pushers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= each; i++ {
				c.Push([2]int{p, i})
			}
		}()
	}
	wg.Wait()
	c.Close()
	c.Wait()
	if n := ran.Load(); n != pushers*each {
		t.Fatalf("ran %d callbacks, want %d", n, pushers*each)
	}
}

// A callback may push (it is queued behind the others, not run inline) and
// may wait for something a later Push delivers without deadlocking the
// pusher.
func TestCallbacksPushNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	var order []string
	c := NewCallbacks(func(s string) {
		if s == "first" {
			<-release // a slow callback
		}
		order = append(order, s)
	})
	c.Push("first")
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100; i++ {
			c.Push("more")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Push blocked behind a slow callback")
	}
	close(release)
	c.Close()
	c.Wait()
	if len(order) != 101 || order[0] != "first" {
		t.Fatalf("ran %d callbacks, first %q", len(order), order[0])
	}
}

// After Close, Push runs the callback inline; Close twice is harmless;
// Wait without any Push returns.
func TestCallbacksAfterClose(t *testing.T) {
	c := NewCallbacks(func(ch chan int) { ch <- 1 })
	c.Close()
	c.Close()
	c.Wait()
	ch := make(chan int, 1)
	c.Push(ch)
	select {
	case <-ch:
	default:
		t.Fatal("Push after Close did not run the callback inline")
	}
}
