package mq

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/internal/consume"
)

// Consumer receives messages on demand (pull), as RocketMQ's HTTP SDK long
// polling does: Receive a batch, waiting up to a time, then Ack or Nack each
// message. A message neither acked nor nacked is redelivered after
// AckTimeout (if set) or when the Consumer closes. Safe for concurrent use.
type Consumer struct {
	c      *Client
	topic  string
	set    *settings
	pol    consume.Policy
	st     consume.Settler
	sub    driver.Subscription
	closed atomic.Bool
	info   subInfo     // topic, group, start (backlog.go)
	hinfo  HandlerInfo // what receive interceptors get in their ctx

	mu       sync.Mutex
	inflight map[*receipt]struct{}
}

// receipt tracks the settlement of one pulled message.
type receipt struct {
	c       *Consumer
	settled atomic.Bool
	timer   *time.Timer
	start   time.Time
	ctx     context.Context // from the receive interceptors (Message.Context), nil without
	ends    []func(error)   // the receive interceptors' settle functions
}

// NewConsumer opens a pull consumer on topic. Options: Group, Broadcast,
// TagFilter, TagPattern, Ordered, Prefetch (the messages it holds),
// MaxAttempts, WithBackoff, DeadLetterTopic, AckTimeout, StartFrom, StartAt,
// and the adapter options of scope ScopeConsumer.
func (c *Client) NewConsumer(ctx context.Context, topic string, opts ...Option) (*Consumer, error) {
	k, err := c.newConsumer(ctx, topic, opts)
	if err != nil {
		return nil, c.wrap("consumer", err)
	}
	return k, nil
}

func (c *Client) newConsumer(ctx context.Context, topic string, opts []Option) (*Consumer, error) {
	const op = "consumer"
	if !c.caps.Has(driver.CapPull) {
		return nil, driver.Errorf(driver.CodeUnsupported, op, "no pull consumer")
	}
	set, sub, err := c.open(ctx, op, forConsumer, topic, opts)
	if err != nil {
		return nil, err
	}
	k := &Consumer{c: c, topic: topic, set: set, sub: sub, pol: c.policy(topic, set),
		inflight: map[*receipt]struct{}{}, info: newSubInfo(topic, set, true)}
	k.hinfo, _ = HandlerInfoFrom(k.pol.Base)
	k.st = consume.Settler{Sub: sub, Policy: &k.pol}
	if !c.track(k) {
		_ = sub.Close(ctx)
		return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	return k, nil
}

// Receive returns between 1 and max messages (max at most MaxPrefetch). It blocks until at least one is
// available, wait has passed (then it returns no messages and a nil error),
// or ctx is done. wait <= 0 waits for ctx alone. Messages filtered out by
// TagFilter/TagPattern are acknowledged and not returned.
func (k *Consumer) Receive(ctx context.Context, max int, wait time.Duration) ([]*Message, error) {
	msgs, err := k.receive(ctx, max, wait)
	if err != nil {
		return nil, k.c.wrap("receive", err)
	}
	return msgs, nil
}

func (k *Consumer) receive(ctx context.Context, max int, wait time.Duration) ([]*Message, error) {
	const op = "receive"
	if k.closed.Load() {
		return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "consumer closed"}
	}
	if max < 1 || max > MaxPrefetch {
		return nil, invalid(op, "max %d must be from 1 to %d (MaxPrefetch)", max, MaxPrefetch)
	}
	rctx := ctx
	if wait > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	for {
		dms, err := k.sub.Receive(rctx, max)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil, ctxErr(op, ctx.Err())
			case rctx.Err() != nil:
				return nil, nil
			case k.closed.Load():
				return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "consumer closed"}
			}
			return nil, driver.Wrap(driver.CodeUnavailable, op, err)
		}
		out := make([]*Message, 0, len(dms))
		for _, dm := range dms {
			if f := k.set.filter; f != nil && !f.Match(dm.Tag) {
				if err := k.st.Ack(context.Background(), ctx, consume.Skipped, dm, time.Time{}); err != nil {
					k.st.LogErr("ack", dm, err)
				}
				continue
			}
			m := fromDriver(dm)
			m.r = k.track(ctx, m)
			out = append(out, m)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

func (k *Consumer) track(ctx context.Context, m *Message) *receipt {
	r := &receipt{c: k, start: time.Now()}
	if len(k.c.set.receivers) > 0 {
		k.intercepted(ctx, m, r)
		if len(r.ends) > 0 && k.set.ackTimeout <= 0 {
			// Close must tell the interceptors of what it leaves unsettled.
			k.mu.Lock()
			k.inflight[r] = struct{}{}
			k.mu.Unlock()
		}
	}
	if d := k.set.ackTimeout; d > 0 {
		// The timer is created and stored under k.mu, and settle reads it
		// under k.mu, so a timer firing at once sees it.
		k.mu.Lock()
		k.inflight[r] = struct{}{}
		r.timer = time.AfterFunc(d, func() {
			if r.settle() {
				reason := &Error{Code: driver.CodeTimeout, Op: "receive", Msg: fmt.Sprintf("not acknowledged within %v", d)}
				err := k.st.Fail(context.Background(), context.Background(), m.d, reason, r.start)
				k.st.LogErr("redeliver", m.d, err)
				r.finish(reason)
			}
		})
		k.mu.Unlock()
	}
	return r
}

// settle marks the receipt settled once; it reports whether this call did.
func (r *receipt) settle() bool {
	if !r.settled.CompareAndSwap(false, true) {
		return false
	}
	r.c.mu.Lock()
	if r.timer != nil {
		r.timer.Stop()
	}
	delete(r.c.inflight, r)
	r.c.mu.Unlock()
	return true
}

func (k *Consumer) ack(ctx context.Context, m *Message) error {
	return k.c.wrap("ack", k.settleAck(ctx, m))
}

func (k *Consumer) settleAck(ctx context.Context, m *Message) error {
	if k.closed.Load() {
		return &Error{Code: driver.CodeClosed, Op: "ack", Msg: "consumer closed"}
	}
	if !m.r.settle() {
		return invalid("ack", "message %q already settled (acked, nacked or timed out)", m.ID)
	}
	err := k.st.Ack(ctx, ctx, consume.Acked, m.d, m.r.start)
	m.r.finish(err)
	return err
}

func (k *Consumer) nack(ctx context.Context, m *Message, reason error) error {
	return k.c.wrap("nack", k.settleNack(ctx, m, reason))
}

func (k *Consumer) settleNack(ctx context.Context, m *Message, reason error) error {
	if k.closed.Load() {
		return &Error{Code: driver.CodeClosed, Op: "nack", Msg: "consumer closed"}
	}
	if !m.r.settle() {
		return invalid("nack", "message %q already settled (acked, nacked or timed out)", m.ID)
	}
	err := k.st.Fail(ctx, ctx, m.d, reason, m.r.start)
	if reason == nil {
		m.r.finish(errNacked)
	} else {
		m.r.finish(reason)
	}
	return err
}

// Ack acknowledges received messages one after the other, as a Message.Ack
// call per message (no batched acknowledgement at the broker). It stops at
// the first failure and returns that error: the messages before it are
// acknowledged, the one that failed and those after it are not. A nil
// message is ErrInvalidArgument.
func (k *Consumer) Ack(ctx context.Context, msgs ...*Message) error {
	for _, m := range msgs {
		if m == nil {
			return k.c.wrap("ack", invalid("ack", "nil message"))
		}
		if err := m.Ack(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the consumer. Messages not yet acknowledged are redelivered
// (to this group), never acknowledged. A second Close returns ErrClosed.
func (k *Consumer) Close(ctx context.Context) error {
	return k.c.wrap("close", k.close(ctx))
}

func (k *Consumer) close(ctx context.Context) error {
	if k.closed.Swap(true) {
		return &Error{Code: driver.CodeClosed, Op: "close", Msg: "consumer already closed"}
	}
	k.mu.Lock()
	left := make([]*receipt, 0, len(k.inflight))
	for r := range k.inflight {
		if r.timer != nil {
			r.timer.Stop()
		}
		left = append(left, r)
	}
	k.inflight = map[*receipt]struct{}{}
	k.mu.Unlock()
	for _, r := range left {
		if len(r.ends) > 0 && r.settled.CompareAndSwap(false, true) {
			r.finish(&Error{Code: driver.CodeClosed, Op: "close", Msg: "consumer closed with the message unsettled"})
		}
	}
	err := k.sub.Close(ctx)
	k.c.untrack(k)
	return err
}
