package kit

import "sync"

// Callbacks calls run on queued values, one at a time, in the order they
// were pushed, on a goroutine of its own: the place for a driver's SendAsync
// completions, so that a user callback that publishes and waits for its
// confirmation never blocks the goroutine that delivers confirmations. The
// goroutine starts with the first Push and ends once Close was called and
// the queue is empty; Wait waits for that. The queue is unbounded (a
// driver's in-flight limit bounds it in practice); Push never blocks.
//
// Push, Close and Wait are safe for concurrent use. The zero value is not
// usable: make one with NewCallbacks.
type Callbacks[T any] struct {
	run    func(T)
	mu     sync.Mutex
	q      []T
	spare  []T
	closed bool
	start  sync.Once
	wake   chan struct{}
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup
}

// NewCallbacks returns a queue that calls run on every pushed value.
func NewCallbacks[T any](run func(T)) *Callbacks[T] {
	return &Callbacks[T]{run: run, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Push queues v. After Close, it calls run(v) inline instead.
func (c *Callbacks[T]) Push(v T) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.run(v)
		return
	}
	c.q = append(c.q, v)
	c.start.Do(func() {
		c.wg.Add(1)
		go c.loop()
	})
	c.mu.Unlock()
	c.signal()
}

// Close stops queuing: what is queued still runs, later values run inline
// in Push. It does not wait (Wait does). Calling it again does nothing.
func (c *Callbacks[T]) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.done)
	c.mu.Unlock()
	c.signal()
}

// Wait blocks until Close was called and every value queued before it ran.
func (c *Callbacks[T]) Wait() {
	<-c.done
	c.wg.Wait()
}

func (c *Callbacks[T]) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// loop runs the queued values until the queue is closed and empty.
func (c *Callbacks[T]) loop() {
	defer c.wg.Done()
	var zero T
	for {
		c.mu.Lock()
		batch, closed := c.q, c.closed
		c.q, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		for i := range batch {
			c.run(batch[i])
			batch[i] = zero
		}
		c.mu.Lock()
		if c.spare == nil {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
		if len(batch) == 0 {
			if closed {
				return
			}
			<-c.wake
		}
	}
}
