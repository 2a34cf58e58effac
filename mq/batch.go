package mq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/internal/consume"
)

// BatchHandler processes up to BatchSize messages at once (a bulk insert,
// a bulk HTTP call). Returning nil acknowledges every message; a
// *BatchError fails only the messages it names (the rest are
// acknowledged); any other error (or a panic, or exceeding HandlerTimeout)
// fails the whole batch. Failed messages are retried after backoff, and
// dead-lettered after MaxAttempts or at once for NoRetry, one by one as
// with a Handler.
type BatchHandler func(ctx context.Context, msgs []*Message) error

// BatchError is what a BatchHandler returns to fail some of its messages:
// Failed holds their indexes in the batch, Err the reason (recorded in
// the dead letter's headers; wrap it with NoRetry to dead-letter them at
// once). An empty Failed fails the whole batch; indexes outside the batch
// are ignored.
type BatchError struct {
	Failed []int
	Err    error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("%d messages of the batch failed: %v", len(e.Failed), e.Err)
}

// Unwrap returns Err.
func (e *BatchError) Unwrap() error { return e.Err }

// failedIndexes reads a *BatchError for the engine.
func failedIndexes(err error) ([]int, error, bool) {
	var be *BatchError
	if !errors.As(err, &be) || len(be.Failed) == 0 {
		return nil, nil, false
	}
	cause := be.Err
	if cause == nil {
		cause = be
	}
	return be.Failed, cause, true
}

// BatchSize sets the most messages a BatchHandler gets at once
// (SubscribeBatch). Default: 100; at most MaxPrefetch.
func BatchSize(n int) Option {
	return Option{"BatchSize", forBatch, func(s *settings) error {
		if n < 1 || n > MaxPrefetch {
			return fmt.Errorf("batch size %d must be from 1 to %d (MaxPrefetch)", n, MaxPrefetch)
		}
		s.batchSize = n
		return nil
	}}
}

// BatchLinger sets how long a batch is gathered after its first message
// before the BatchHandler gets it with fewer than BatchSize messages
// (SubscribeBatch). Default: 50ms.
func BatchLinger(d time.Duration) Option {
	return Option{"BatchLinger", forBatch, func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("linger %v must be positive", d)
		}
		s.batchLinger = d
		return nil
	}}
}

// SubscribeBatch starts delivering the messages of topic to h in batches
// of up to BatchSize, each gathered for at most BatchLinger after its first
// message, with up to Concurrency batches handled at once. It returns once
// the subscription is established, as Subscribe does. Options: those of
// Subscribe, and BatchSize, BatchLinger. HandlerTimeout bounds one batch.
// The default Prefetch is Concurrency × BatchSize (at least the backend's
// MinPrefetch); a Prefetch below BatchSize is ErrInvalidOption.
//
// Ordered: a message goes to one of Concurrency lanes by its key, each
// lane gathers and runs its batches one at a time, so a key's messages
// reach the handler in order, within a batch and across batches. A failed
// message is retried in place before its lane goes on, together with the
// later messages of its key in the batch, which run again (at-least-once)
// so that the key's order holds.
//
// Close waits for the batches being handled (bounded by its ctx) and
// settles them; messages gathered but not handled are redelivered.
// Middleware wraps Handlers only: WithMiddleware given here is
// ErrInvalidOption, and the client's middleware is not applied.
func (c *Client) SubscribeBatch(ctx context.Context, topic string, h BatchHandler, opts ...Option) (_ *Subscriber, err error) {
	const op = "subscribe"
	defer func() { err = c.wrap(op, err) }()
	if h == nil {
		return nil, invalid(op, "nil handler")
	}
	set, sub, err := c.open(ctx, op, forBatch, topic, opts)
	if err != nil {
		return nil, err
	}
	p := c.policy(topic, set)
	p.BatchSize, p.BatchLinger, p.FailedIndexes = set.batchSize, set.batchLinger, failedIndexes
	hooked := len(c.set.hooks) > 0
	s := &Subscriber{c: c, topic: topic, sub: sub, health: newHealth(time.Now()), info: newSubInfo(topic, set, false)}
	p.Received = s.health.received(c)
	s.health.watch(c, sub)
	s.eng = consume.New(consume.Config[Message]{
		Sub:     sub,
		Policy:  p,
		Prepare: (*Message).from,
		HandleBatch: func(ctx context.Context, ms []*Message) error {
			if hooked {
				consume.RecordHandlerCtx(ctx)
			}
			return h(ctx, ms)
		},
	})
	if !c.track(s) {
		_ = s.eng.Close(ctx)
		return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	return s, nil
}
