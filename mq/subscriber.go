package mq

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq/driver"
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
	c     *Client
	topic string
	set   *settings
	h     Handler
	st    settler
	sub   driver.Subscription

	intake     context.Context // canceled by Close: stop receiving
	stopIntake context.CancelFunc
	work       context.Context // parent of handler contexts: canceled when Close gives up
	stopWork   context.CancelFunc
	slots      *slotPool              // one per message held (running or queued): the prefetch
	running    chan struct{}          // Ordered: one per lane running a handler, at most Concurrency
	queue      chan []*driver.Message // chunks of unordered messages for the workers
	queueMu    sync.RWMutex           // orders spills with closing the queue
	queueOpen  bool                   // guarded by queueMu
	acks       chan []finished        // finished messages for the acker
	spareAcks  chan []finished        // emptied slices of acks, for reuse (acker.go)
	ackerDone  chan struct{}          // closed when the acker has flushed and ended
	ackerQuit  chan struct{}          // closed when Close gives up: the acker ends at once
	wg         sync.WaitGroup         // workers, lanes and handler-timeout goroutines
	loopDone   chan struct{}
	closing    atomic.Bool
	closeOnce  sync.Once
	closeErr   error
	cost       atomic.Int64 // running mean handler time per message, ns (dispatch.go)
	timed      bool         // hooks want each message's start time

	mu    sync.Mutex
	lanes map[string]*lane // Ordered: messages waiting per key
}

type lane struct{ q []*driver.Message }

// Subscribe starts delivering the messages of topic to h, with up to
// Concurrency handlers at once. It returns once the subscription is
// established at the broker: a message published after Subscribe returns is
// delivered. Options: Group, Broadcast, TagFilter, TagPattern, Ordered,
// Concurrency, Prefetch, MaxAttempts, WithBackoff, DeadLetterTopic, HandlerTimeout,
// StartFrom, StartAt, WithMiddleware, DriverOption.
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
	for i := len(set.middleware) - 1; i >= 0; i-- {
		h = set.middleware[i](h)
	}
	for i := len(c.set.middleware) - 1; i >= 0; i-- {
		h = c.set.middleware[i](h)
	}
	s := &Subscriber{
		c: c, topic: topic, set: set, h: h, sub: sub,
		st:        settler{sub: sub, set: set, log: c.log, topic: topic, hooks: c.set.hooks},
		slots:     newSlotPool(set.held),
		running:   make(chan struct{}, set.concurrency),
		queue:     make(chan []*driver.Message, set.held),
		queueOpen: true,
		acks:      make(chan []finished, set.held),
		spareAcks: make(chan []finished, set.concurrency),
		timed:     len(c.set.hooks) > 0,
		ackerDone: make(chan struct{}),
		ackerQuit: make(chan struct{}),
		loopDone:  make(chan struct{}),
		lanes:     map[string]*lane{},
	}
	s.cost.Store(int64(chunkBudget)) // one message per chunk until handlers are timed
	s.intake, s.stopIntake = context.WithCancel(context.Background())
	s.work, s.stopWork = context.WithCancel(context.Background())
	if !c.track(s) {
		s.stopIntake()
		s.stopWork()
		_ = sub.Close(ctx)
		return nil, &Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	if !set.ordered {
		s.wg.Add(set.concurrency)
		for i := 0; i < set.concurrency; i++ {
			go s.worker()
		}
	}
	go s.acker()
	go s.loop()
	return s, nil
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
	if where == forSubscribe {
		switch {
		case set.prefetch == 0:
			set.held = max(set.concurrency, c.caps.MinPrefetch)
		case set.prefetch < set.concurrency:
			return nil, nil, driver.Errorf(driver.CodeInvalidOption, op, "Prefetch %d is below Concurrency %d: at most %d handlers could run", set.prefetch, set.concurrency, set.prefetch)
		default:
			set.held = set.prefetch
		}
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

func (s *Subscriber) report(op string, dm *driver.Message, err error) {
	if err != nil && !(s.closing.Load() && driver.CodeOf(err) == driver.CodeClosed) {
		s.st.logErr(op, dm, err)
	}
}

// Close stops receiving, waits for running handlers (bounded by ctx; when
// ctx ends first their contexts are canceled and their messages are left
// unsettled for redelivery), settles what finished and closes the
// subscription. Messages received but not started are redelivered, never
// acknowledged. A second Close returns ErrClosed.
func (s *Subscriber) Close(ctx context.Context) (err error) {
	defer func() { err = s.c.wrap("close", err) }()
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.closing.Store(true)
		s.stopIntake()
		s.closeErr = s.drain(ctx)
		// The driver settles what finished (commits offsets, flushes acks)
		// even when ctx ran out while waiting for handlers.
		cctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), closeGrace)
			defer cancel()
		}
		if err := s.sub.Close(cctx); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
		s.stopWork()
		s.c.untrack(s)
	})
	if !first {
		return &Error{Code: driver.CodeClosed, Op: "close", Msg: "subscriber already closed"}
	}
	return s.closeErr
}

func (s *Subscriber) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		<-s.loopDone
		s.queueMu.Lock()
		s.queueOpen = false
		close(s.queue) // the loop has ended; spills check queueOpen
		s.queueMu.Unlock()
		s.wg.Wait()
		close(s.acks) // every handler has finished: nothing sends any more
		<-s.ackerDone
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.stopWork()
		close(s.ackerQuit)
		return ctxErr("close", ctx.Err())
	}
}

// closeGrace bounds a driver's Close when the caller's ctx is already done.
const closeGrace = 5 * time.Second

// sleepCtx waits d or until ctx is done; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
