package mq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// How a Subscriber spreads messages over its workers.
//
// The receive loop takes every free slot, asks the driver for that many
// messages and queues them for the workers in chunks. A chunk is run by one
// worker, message after message, so a fast handler does not pay a goroutine
// hand-off per message. Chunks are sized from the measured handler time so
// that one takes about chunkBudget: a slow handler gets chunks of one
// message (every message its own worker, up to Concurrency at once), a fast
// one chunks of a quarter of Concurrency. When a chunk runs longer than spillAfter (one
// handler blocked, say), the messages it has not started go back to the
// queue one by one for other workers, so a message never waits long behind
// a slow neighbour, and a handler that waits for another message's handler
// cannot deadlock its chunk.
const (
	chunkBudget = 50 * time.Microsecond
	spillAfter  = time.Millisecond
	// gatherPatience is how long the loop waits for slots to make a batch
	// (batchGoal): about two chunks of fast handlers.
	gatherPatience = 100 * time.Microsecond
)

// loop receives as many messages as there are free slots and dispatches them.
func (s *Subscriber) loop() {
	defer close(s.loopDone)
	failures := 0
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		want, patience := s.batchGoal()
		n := s.slots.acquire(s.intake, want, patience, t)
		if n == 0 {
			return
		}
		dms, err := s.sub.Receive(s.intake, n)
		s.slots.release(n - len(dms))
		if err != nil {
			if s.intake.Err() != nil {
				return
			}
			failures++
			s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq: receive failed; retrying",
				slog.String("topic", s.topic), slog.Int("failures", failures), slog.String("error", err.Error()))
			if !sleepCtx(s.intake, s.set.backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		if s.set.ordered {
			for _, dm := range dms {
				s.dispatchOrdered(dm)
			}
			continue
		}
		k := s.chunkSize(len(dms))
		for len(dms) > 0 {
			c := min(k, len(dms))
			s.queue <- dms[:c:c] // never blocks: one slot per queued message
			dms = dms[c:]
		}
	}
}

// batchGoal is how many free slots the loop waits for (up to patience)
// before it receives: half of the prefetch while handlers are fast (chunks
// of several messages), so that messages flow in batches rather than a few
// at a time as single chunks finish; one while they are slow, where waiting
// would only add latency.
func (s *Subscriber) batchGoal() (int, time.Duration) {
	if s.set.ordered || s.chunkSize(s.set.held) < 2 {
		return 1, 0
	}
	return max(1, s.set.held/2), gatherPatience
}

// chunkSize is how many of n messages one worker takes at once: about
// chunkBudget of work, and at most a quarter of the prefetch, so that
// several chunks run at once and the loop receives the next messages while
// workers handle these.
func (s *Subscriber) chunkSize(n int) int {
	most := min(n, s.maxChunk())
	cost := s.cost.Load()
	if cost <= 0 {
		return most
	}
	return max(1, min(most, int(int64(chunkBudget)/cost)))
}

// maxChunk is the most messages a chunk holds: a quarter of the prefetch.
func (s *Subscriber) maxChunk() int { return max(1, s.set.held/4) }

// worker runs chunks of unordered messages until the queue closes. It
// keeps one chunk and one steal timer for its whole life, so a chunk costs
// no allocation beyond its Messages.
func (s *Subscriber) worker() {
	defer s.wg.Done()
	c := &chunk{stolen: make(chan struct{}, 1)}
	c.timer = time.AfterFunc(time.Hour, func() {
		s.steal(c)
		c.stolen <- struct{}{}
	})
	c.timer.Stop()
	for msgs := range s.queue {
		s.runChunk(c, msgs)
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
func (s *Subscriber) runChunk(c *chunk, msgs []*driver.Message) {
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
	ms := make([]Message, len(msgs))
	now, n := begin, 0
	for {
		dm, ok := c.take()
		if !ok {
			break
		}
		n++
		if s.closing.Load() {
			continue
		}
		if f, ok := s.handle(dm, now, &ms[n-1]); ok {
			if acks == nil {
				acks = s.ackBuffer()
			}
			acks = append(acks, f)
		}
		if s.timed {
			now = time.Now()
		}
	}
	if armed && !c.timer.Stop() {
		<-c.stolen
	}
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
	s.learn(time.Since(begin), n)
	s.ack(acks)
	s.slots.release(n)
}

// learn folds the time n messages took into the running per-message cost.
func (s *Subscriber) learn(d time.Duration, n int) {
	if n == 0 {
		return
	}
	per := int64(d) / int64(n)
	old := s.cost.Load()
	s.cost.Store(max(1, old-old/8+per/8))
}

// steal queues the messages of c not started yet one per chunk for other
// workers; a chunk younger than spillAfter (the timer of the previous chunk
// fired late) is left alone. When the queue is already closed (Close is
// draining) they are left unsettled, for redelivery.
func (s *Subscriber) steal(c *chunk) {
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
	s.queueMu.RLock()
	defer s.queueMu.RUnlock()
	if !s.queueOpen {
		s.slots.release(len(rest))
		return
	}
	for i := range rest {
		s.queue <- rest[i : i+1 : i+1] // never blocks: one slot per queued message
	}
}

// dispatchOrdered queues dm behind the running messages of its key (or
// partition) and starts a lane for the key when none runs.
func (s *Subscriber) dispatchOrdered(dm *driver.Message) {
	key := dm.Key
	if key == "" {
		key = fmt.Sprintf("\x00partition-%d", dm.Partition)
	}
	s.mu.Lock()
	if l, busy := s.lanes[key]; busy {
		l.q = append(l.q, dm)
		s.mu.Unlock()
		return
	}
	l := &lane{q: []*driver.Message{dm}}
	s.lanes[key] = l
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			s.mu.Lock()
			if len(l.q) == 0 {
				delete(s.lanes, key)
				s.mu.Unlock()
				return
			}
			next := l.q[0]
			l.q = l.q[1:]
			s.mu.Unlock()
			if !s.closing.Load() {
				s.running <- struct{}{} // at most Concurrency lanes run a handler
				f, ok := s.handle(next, time.Now(), nil)
				<-s.running
				if ok {
					s.ack([]finished{f})
				}
			}
			s.slots.release(1)
		}
	}()
}

// handle runs the handler for dm (with in-place retries for Ordered
// subscribers) and settles failures; ok reports a success (or a message
// filtered out) for the acker. m, when not nil, is where the handler's
// Message is built for the first attempt.
func (s *Subscriber) handle(dm *driver.Message, now time.Time, m *Message) (f finished, ok bool) {
	var start time.Time
	if s.timed {
		start = now
	}
	if flt := s.set.filter; flt != nil && !flt.Match(dm.Tag) {
		return finished{dm, EventSkipped, start}, true
	}
	for {
		if m == nil {
			m = new(Message)
		}
		m.from(dm)
		err := s.invoke(m)
		m = nil // a retry gets a Message of its own
		if err == nil {
			return finished{dm, EventAcked, start}, true
		}
		var p permanent
		if s.set.ordered && dm.Attempt < s.set.maxAttempts && !errors.As(err, &p) {
			// In-place retry keeps the key's order: nothing after dm runs
			// until it succeeds or is dead-lettered. Hooks see it as a
			// retry, as they do an unordered subscriber's Nack.
			s.st.settled(context.Background(), EventRetried, dm, err, start)
			if !sleepCtx(s.intake, s.set.backoff(max(dm.Attempt, 1))) {
				return f, false // closing: left unsettled, redelivered later
			}
			dm.Attempt++
			continue
		}
		if s.work.Err() != nil {
			// Close gave up waiting and canceled the handler: the message
			// is left unsettled, for redelivery, as Close documents.
			return f, false
		}
		s.report("nack", dm, s.st.fail(context.Background(), dm, err, start))
		return f, false
	}
}

// invoke calls the handler once with panic recovery and the timeout. The
// handler runs on the caller's goroutine, so a handler that ignores its
// canceled ctx keeps its slot (and its worker or ordered lane) until it
// returns: HandlerTimeout never lets more than Concurrency handlers run at
// once, and a timed-out message is not settled (so not redelivered) while
// its handler still runs. A timed-out attempt counts as failed whatever the
// handler returns after the timeout.
func (s *Subscriber) invoke(m *Message) error {
	d := s.set.handlerTimeout
	if d <= 0 {
		return s.call(s.work, m)
	}
	ctx, cancel := context.WithTimeout(s.work, d)
	defer cancel()
	start := time.Now()
	err := s.call(ctx, m)
	if ctx.Err() == nil || s.work.Err() != nil {
		return err
	}
	if over := time.Since(start) - d; over > d {
		s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq: handler ignored its canceled ctx; it held a slot past HandlerTimeout",
			slog.String("topic", s.topic), slog.String("id", m.ID), slog.Duration("timeout", d), slog.Duration("over", over))
	}
	return &Error{Code: driver.CodeTimeout, Op: "handle", Msg: fmt.Sprintf("handler exceeded %v", d)}
}

func (s *Subscriber) call(ctx context.Context, m *Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.c.log.LogAttrs(ctx, slog.LevelError, "unimq: handler panicked",
				slog.String("topic", s.topic), slog.String("id", m.ID), slog.Any("panic", r),
				slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return s.h(ctx, m)
}
