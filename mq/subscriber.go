package mq

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/internal/consume"
)

// Handler processes one message. Returning nil acknowledges it; an error
// (or a panic, or exceeding HandlerTimeout) leads to redelivery after
// backoff, and to the dead letter after MaxAttempts. Wrap the error with
// NoRetry to dead-letter at once. ctx is canceled when the handler times out
// or when Close gives up waiting.
type Handler func(ctx context.Context, m *Message) error

// Subscriber runs a Handler for the messages of one topic and group. Create
// it with Client.Subscribe; stop it with Close. Its methods are safe for
// concurrent use.
type Subscriber struct {
	c      *Client
	topic  string
	sub    driver.Subscription
	eng    *consume.Engine[Message]
	closed atomic.Bool
	health *health // what State reports (health.go)
	info   subInfo // topic, group, start (backlog.go)
}

// Subscribe starts delivering the messages of topic to h, with up to
// Concurrency handlers at once. It returns once the subscription is
// established at the broker: a message published after Subscribe returns is
// delivered. Options: Group, Broadcast, TagFilter, TagPattern, Ordered,
// Concurrency, Prefetch, MaxAttempts, WithBackoff, DeadLetterTopic, HandlerTimeout,
// StartFrom, StartAt, WithMiddleware, and adapter options (kafka.WithXxx...).
func (c *Client) Subscribe(ctx context.Context, topic string, h Handler, opts ...Option) (_ *Subscriber, err error) {
	const op = "subscribe"
	defer func() { err = c.wrap(op, err) }()
	if h == nil {
		return nil, invalid(op, "nil handler")
	}
	set, sub, err := c.open(ctx, op, forSubscribe, topic, opts)
	if err != nil {
		return nil, err
	}
	h = c.chain(set, h)
	s := &Subscriber{c: c, topic: topic, sub: sub, health: newHealth(time.Now()), info: newSubInfo(topic, set, false)}
	p := c.policy(topic, set)
	p.Received = s.health.received(c)
	s.health.watch(c, sub)
	s.eng = consume.New(consume.Config[Message]{
		Sub:     sub,
		Policy:  p,
		Prepare: (*Message).from,
		Handle:  consume.Handler[Message](h),
	})
	if !c.track(s) {
		_ = s.eng.Close(ctx)
		return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	return s, nil
}

// chain wraps h in the subscription's middleware, then the client's
// (outermost), with an innermost step that records the ctx the handler got
// for the settlement hooks.
func (c *Client) chain(set *settings, h Handler) Handler {
	if len(c.set.hooks) > 0 {
		inner := h
		h = func(ctx context.Context, m *Message) error {
			consume.RecordHandlerCtx(ctx)
			return inner(ctx, m)
		}
	}
	for i := len(set.middleware) - 1; i >= 0; i-- {
		h = set.middleware[i](h)
	}
	for i := len(c.set.middleware) - 1; i >= 0; i-- {
		h = c.set.middleware[i](h)
	}
	return h
}

// open validates subscription options and opens the driver subscription;
// shared by Subscribe and NewConsumer.
func (c *Client) open(ctx context.Context, op string, where scope, topic string, opts []Option) (*settings, driver.Subscription, error) {
	if err := c.checkOpen(op); err != nil {
		return nil, nil, err
	}
	if err := c.validTopic(op, topic); err != nil {
		return nil, nil, err
	}
	set := newSettings()
	set.logger = c.log
	if err := set.applyAll(op, where, opts); err != nil {
		return nil, nil, err
	}
	if set.deadLetter != "" {
		if err := c.validTopic(op, set.deadLetter); err != nil {
			return nil, nil, &Error{Code: driver.CodeInvalidOption, Op: op, Msg: "option DeadLetterTopic", Err: plainErr(err)}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, ctxErr(op, err)
	}
	var need driver.Capability
	if set.broadcast {
		need |= driver.CapBroadcast
	}
	if set.ordered {
		need |= driver.CapOrdered
	}
	switch set.start.Kind {
	case driver.StartOldest:
		need |= driver.CapStartOldest
	case driver.StartAtTime:
		need |= driver.CapStartTime
	}
	if m := c.caps.Missing(need); m != 0 {
		return nil, nil, driver.Errorf(driver.CodeUnsupported, op, "lacks %s", m)
	}
	set.held = set.concurrency
	switch where {
	case forSubscribe:
		held, ok := consume.Held(set.concurrency, set.prefetch, c.caps.MinPrefetch)
		if !ok {
			return nil, nil, driver.Errorf(driver.CodeInvalidOption, op, "Prefetch %d is below Concurrency %d: at most %d handlers could run", set.prefetch, set.concurrency, set.prefetch)
		}
		set.held = held
	case forBatch:
		if set.batchSize == 0 {
			set.batchSize = consume.DefaultBatchSize
		}
		if set.batchLinger == 0 {
			set.batchLinger = consume.DefaultBatchLinger
		}
		held, ok := consume.BatchHeld(set.concurrency, set.prefetch, c.caps.MinPrefetch, set.batchSize)
		if !ok {
			return nil, nil, driver.Errorf(driver.CodeInvalidOption, op, "Prefetch %d is below BatchSize %d: a batch could never fill", set.prefetch, set.batchSize)
		}
		set.held = min(held, MaxPrefetch)
	}
	cfg := &driver.SubscriptionConfig{
		Topic:       topic,
		Group:       set.group,
		Broadcast:   set.broadcast,
		Ordered:     set.ordered,
		Prefetch:    set.held,
		Start:       set.start,
		MaxAttempts: set.maxAttempts,
		DeadLetter:  set.deadLetter,
		Options:     append(append([]driver.Option(nil), c.set.driverOpts...), set.driverOpts...),
	}
	if set.filter != nil {
		cfg.Filter = set.filter
	}
	sub, err := c.conn.Subscribe(ctx, cfg)
	if err != nil {
		return nil, nil, driver.Wrap(driver.CodeUnavailable, op, err)
	}
	return set, stampSub(sub, c.caps.Backend), nil
}

// Topic returns the topic subscribed to.
func (s *Subscriber) Topic() string { return s.topic }

// As sets target to a backend type of the subscription and reports whether
// it could.
func (s *Subscriber) As(target any) bool { return s.sub.As(target) }

// Close stops receiving, waits for running handlers (bounded by ctx; when
// ctx ends first their contexts are canceled and their messages are left
// unsettled for redelivery), settles what finished and closes the
// subscription. Messages received but not started are redelivered, never
// acknowledged. A second Close returns ErrClosed.
func (s *Subscriber) Close(ctx context.Context) (err error) {
	defer func() { err = s.c.wrap("close", err) }()
	if s.closed.Swap(true) {
		return &Error{Code: driver.CodeClosed, Op: "close", Msg: "subscriber already closed"}
	}
	err = s.eng.Close(ctx)
	s.c.untrack(s)
	return err
}
