package memory

import "sync"

// callbacks runs SendAsync completions on a goroutine of the connection,
// started when the first one is queued and ended when the queue is empty,
// so no goroutine exists while nothing is pending.
type callbacks struct {
	mu      sync.Mutex
	q       []pendingDone
	spare   []pendingDone
	running bool
	closed  bool
	wg      sync.WaitGroup
}

type pendingDone struct {
	fn  func(error)
	err error
}

// push queues fn(err). After close it runs fn inline.
func (c *callbacks) push(fn func(error), err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		fn(err)
		return
	}
	c.q = append(c.q, pendingDone{fn, err})
	if !c.running {
		c.running = true
		c.wg.Add(1)
		go c.run()
	}
	c.mu.Unlock()
}

func (c *callbacks) run() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(c.q) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		batch := c.q
		c.q = c.spare[:0]
		c.mu.Unlock()
		for i, p := range batch {
			p.fn(p.err)
			batch[i] = pendingDone{}
		}
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()
	}
}

// close waits for queued callbacks; later ones run inline.
func (c *callbacks) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
}
