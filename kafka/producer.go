package kafka

import (
	"context"
	"sync"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// record is what the producer pipeline keeps in ProducerMessage.Metadata:
// the explicit partition (or -1) and where the confirmation goes.
type record interface {
	explicitPartition() int32
	confirm(m *sarama.ProducerMessage, err error)
}

// pending is a record whose confirmation calls a function.
type pending struct {
	partition int32
	done      func(m *sarama.ProducerMessage, err error)
}

func (p *pending) explicitPartition() int32                     { return p.partition }
func (p *pending) confirm(m *sarama.ProducerMessage, err error) { p.done(m, err) }

// pipeline is one sarama AsyncProducer whose successes and errors are
// dispatched to each record's callback by two goroutines. Sync sends wait on
// those callbacks; async sends hand theirs to the user. Close flushes the
// producer and returns once every callback has been called.
type pipeline struct {
	ap     sarama.AsyncProducer
	mu     sync.RWMutex // held for reading while feeding Input, for writing by close
	closed bool
	wg     sync.WaitGroup
	cbs    callbackQueue
	cbDone chan struct{}

	flMu     sync.Mutex
	inFlight int           // queued on Input, not confirmed yet
	idle     chan struct{} // closed when inFlight drops to 0 (close waits on it)
}

// begin counts a record about to be queued; end counts its confirmation.
func (p *pipeline) begin() {
	p.flMu.Lock()
	p.inFlight++
	p.flMu.Unlock()
}

func (p *pipeline) end() {
	p.flMu.Lock()
	p.inFlight--
	if p.inFlight == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	p.flMu.Unlock()
}

// drained returns a channel closed once nothing is in flight.
func (p *pipeline) drained() <-chan struct{} {
	p.flMu.Lock()
	defer p.flMu.Unlock()
	ch := make(chan struct{})
	if p.inFlight == 0 {
		close(ch)
		return ch
	}
	if p.idle == nil {
		p.idle = ch
	}
	return p.idle
}

func newPipeline(ap sarama.AsyncProducer) *pipeline {
	p := &pipeline{ap: ap, cbDone: make(chan struct{})}
	p.cbs.wake = make(chan struct{}, 1)
	go func() {
		defer close(p.cbDone)
		p.cbs.run()
	}()
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		for m := range ap.Successes() {
			if r, ok := m.Metadata.(record); ok {
				r.confirm(m, nil)
			}
			p.end()
		}
	}()
	go func() {
		defer p.wg.Done()
		for e := range ap.Errors() {
			if r, ok := e.Msg.Metadata.(record); ok {
				r.confirm(e.Msg, e.Err)
			}
			p.end()
		}
	}()
	return p
}

// send queues m; its callback is called exactly once unless send fails.
func (p *pipeline) send(ctx context.Context, op string, m *sarama.ProducerMessage) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "connection closed"}
	}
	p.begin()
	select {
	case p.ap.Input() <- m:
		return nil
	case <-ctx.Done():
		p.end()
		return driver.Wrap(driver.CodeOf(ctx.Err()), op, ctx.Err())
	}
}

// close stops intake, waits (bounded by ctx) until every queued record was
// confirmed or failed for a reason of its own (sarama fails records still in
// its retry with "shutting down" when the producer closes first), then
// closes the producer, flushing what is left, and waits until every
// callback ran.
func (p *pipeline) close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	select {
	case <-p.drained():
	case <-ctx.Done():
	}
	p.ap.AsyncClose()
	p.wg.Wait()
	p.cbs.close()
	<-p.cbDone
	return nil
}

// callbackQueue runs user callbacks (PublishAsync) in order on a goroutine
// of their own, so a callback may publish and wait for a confirmation
// (delivered by the pipeline's goroutines) without deadlocking. It is
// unbounded: the producer's in-flight limit bounds it in practice.
type callbackQueue struct {
	mu     sync.Mutex
	q      []callback
	spare  []callback
	closed bool
	wake   chan struct{}
}

type callback struct {
	r   *asyncRecord
	m   *sarama.ProducerMessage
	err error
}

func (c *callbackQueue) push(cb callback) {
	c.mu.Lock()
	c.q = append(c.q, cb)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *callbackQueue) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run calls the queued callbacks until the queue is closed and empty.
func (c *callbackQueue) run() {
	for {
		c.mu.Lock()
		batch, closed := c.q, c.closed
		c.q, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		for i := range batch {
			batch[i].r.finish(batch[i].m, batch[i].err)
			batch[i] = callback{}
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
