package kafka

import (
	"context"
	"sync"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
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
	cbs    *kit.Callbacks[callback]

	inFlight kit.InFlight // queued on Input, not confirmed yet (close waits for none)
}

func newPipeline(ap sarama.AsyncProducer) *pipeline {
	p := &pipeline{ap: ap, cbs: kit.NewCallbacks(runCallback)}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		for m := range ap.Successes() {
			if r, ok := m.Metadata.(record); ok {
				r.confirm(m, nil)
			}
			p.inFlight.Done()
		}
	}()
	go func() {
		defer p.wg.Done()
		for e := range ap.Errors() {
			if r, ok := e.Msg.Metadata.(record); ok {
				r.confirm(e.Msg, e.Err)
			}
			p.inFlight.Done()
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
	p.inFlight.Start()
	select {
	case p.ap.Input() <- m:
		return nil
	case <-ctx.Done():
		p.inFlight.Done()
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
	case <-p.inFlight.Idle():
	case <-ctx.Done():
	}
	p.ap.AsyncClose()
	p.wg.Wait()
	p.cbs.Close()
	p.cbs.Wait()
	return nil
}

// callback is one PublishAsync outcome, run in order on the pipeline's
// kit.Callbacks queue, so that a callback may publish and wait for a
// confirmation (delivered by the pipeline's goroutines) without
// deadlocking.
type callback struct {
	r   *asyncRecord
	m   *sarama.ProducerMessage
	err error
}

func runCallback(cb callback) { cb.r.finish(cb.m, cb.err) }
