package consume

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// How an engine spreads messages over its workers: see tuning.go.

// loop receives as many messages as there are free slots and dispatches them.
func (e *Engine[M]) loop() {
	defer close(e.loopDone)
	failures := 0
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		want, patience := e.batchGoal()
		n := e.slots.acquire(e.intake, want, patience, t)
		if n == 0 {
			return
		}
		var waited *time.Timer
		if failures > 0 && e.p.Received != nil {
			waited = time.AfterFunc(healthyAfter, func() { e.p.Received(nil) })
		}
		dms, err := e.sub.Receive(e.intake, n)
		if waited != nil {
			waited.Stop()
		}
		e.slots.release(n - len(dms))
		if err != nil {
			if e.intake.Err() != nil {
				return
			}
			if e.p.Received != nil {
				e.p.Received(err)
			}
			failures++
			e.p.Logger.LogAttrs(context.Background(), slog.LevelWarn, "unimq: receive failed; retrying",
				slog.String("topic", e.p.Topic), slog.Int("failures", failures), slog.String("error", err.Error()))
			if !kit.Sleep(e.intake, e.p.Backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		if e.p.Received != nil {
			e.p.Received(nil)
		}
		if e.p.BatchSize > 0 {
			e.dispatchBatch(dms)
			continue
		}
		if e.p.Ordered {
			for _, dm := range dms {
				e.dispatchOrdered(dm)
			}
			continue
		}
		k := e.ChunkSize(len(dms))
		for len(dms) > 0 {
			c := min(k, len(dms))
			e.queue <- dms[:c:c] // never blocks: one slot per queued message
			dms = dms[c:]
		}
	}
}

// batchGoal is how many free slots the loop waits for (up to patience)
// before it receives: half of the prefetch while handlers are fast (chunks
// of several messages), so that messages flow in batches rather than a few
// at a time as single chunks finish; one while they are slow, where waiting
// would only add latency.
func (e *Engine[M]) batchGoal() (int, time.Duration) {
	if e.p.BatchSize > 0 {
		// a batch's worth of slots (the batch workers gather within the
		// linger anyway), so that the driver is asked for many at once
		return max(1, min(e.p.BatchSize, e.p.Held/2)), gatherPatience
	}
	if e.p.Ordered || e.ChunkSize(e.p.Held) < 2 {
		return 1, 0
	}
	return max(1, e.p.Held/2), gatherPatience
}

// ChunkSize is how many of n messages one worker takes at once: about
// chunkBudget of work, and at most maxChunk.
func (e *Engine[M]) ChunkSize(n int) int {
	most := min(n, e.maxChunk())
	cost := e.cost.Load()
	if cost <= 0 {
		return most
	}
	return max(1, min(most, int(int64(chunkBudget)/cost)))
}

func (e *Engine[M]) maxChunk() int { return maxChunkOf(e.p.Held) }

// worker runs chunks of unordered messages until the queue closes. It
// keeps one chunk and one steal timer for its whole life, so a chunk costs
// no allocation beyond its messages.
func (e *Engine[M]) worker() {
	defer e.wg.Done()
	c := &chunk{stolen: make(chan struct{}, 1)}
	c.timer = time.AfterFunc(time.Hour, func() {
		e.steal(c)
		c.stolen <- struct{}{}
	})
	c.timer.Stop()
	r := e.newRunner()
	for msgs := range e.queue {
		e.runChunk(r, c, msgs)
	}
}

// chunk is a run of messages one worker handles in turn. Its timer hands
// the messages not started yet to other workers when the chunk runs longer
// than spillAfter (steal).
type chunk struct {
	mu      sync.Mutex
	msgs    []*driver.Message
	next    int       // the next message to start
	end     int       // messages from end on were handed to other workers
	started time.Time // when the chunk began: a late timer leaves a young chunk alone
	timer   *time.Timer
	stolen  chan struct{} // receives once each time the timer's steal has finished
}

// take returns the next message to start, if any is left.
func (c *chunk) take() (*driver.Message, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next >= c.end {
		return nil, false
	}
	c.next++
	return c.msgs[c.next-1], true
}

// runChunk handles the messages of msgs in turn (in c), hands the
// successes to the acker and frees the slots of the messages it took.
// During Close, messages not yet started are left unsettled: the driver
// returns them for redelivery.
func (e *Engine[M]) runChunk(r *runner, c *chunk, msgs []*driver.Message) {
	begin := time.Now()
	c.mu.Lock()
	c.msgs, c.next, c.end, c.started = msgs, 0, len(msgs), begin
	c.mu.Unlock()
	armed := len(msgs) > 1
	if armed {
		c.timer.Reset(spillAfter)
	}
	var acks []finished
	// The chunk's messages are allocated together (a handler that keeps
	// one keeps the chunk's array alive: a little memory for one
	// allocation instead of one per message).
	ms := make([]M, len(msgs))
	now, n := begin, 0
	for {
		dm, ok := c.take()
		if !ok {
			break
		}
		n++
		if e.closing.Load() {
			continue
		}
		if f, ok := e.handle(r, dm, now, &ms[n-1]); ok {
			if acks == nil {
				acks = e.ackBuffer()
			}
			acks = append(acks, f)
		}
		if e.timed {
			now = time.Now()
		}
	}
	if armed && !c.timer.Stop() {
		<-c.stolen
	}
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
	e.learn(time.Since(begin), n)
	e.ack(acks)
	e.slots.release(n)
}

// learn folds the time n messages took into the running per-message cost.
func (e *Engine[M]) learn(d time.Duration, n int) {
	if n == 0 {
		return
	}
	per := int64(d) / int64(n)
	old := e.cost.Load()
	e.cost.Store(max(1, old-old/8+per/8))
}

// steal queues the messages of c not started yet one per chunk for other
// workers; a chunk younger than spillAfter (the timer of the previous chunk
// fired late) is left alone. When the queue is already closed (Close is
// draining) they are left unsettled, for redelivery.
func (e *Engine[M]) steal(c *chunk) {
	c.mu.Lock()
	if c.msgs == nil || time.Since(c.started) < spillAfter {
		c.mu.Unlock()
		return
	}
	rest := c.msgs[c.next:c.end]
	c.end = c.next
	c.mu.Unlock()
	if len(rest) == 0 {
		return
	}
	e.queueMu.RLock()
	defer e.queueMu.RUnlock()
	if !e.queueOpen {
		e.slots.release(len(rest))
		return
	}
	for i := range rest {
		e.queue <- rest[i : i+1 : i+1] // never blocks: one slot per queued message
	}
}
