package mq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
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
	slots      chan struct{}        // one per message held (running or queued)
	queue      chan *driver.Message // unordered messages for the workers
	acks       chan finished        // finished messages for the acker
	ackerDone  chan struct{}        // closed when the acker has flushed and ended
	ackerQuit  chan struct{}        // closed when Close gives up: the acker ends at once
	wg         sync.WaitGroup       // workers, lanes and handler-timeout goroutines
	loopDone   chan struct{}
	closing    atomic.Bool
	closeOnce  sync.Once
	closeErr   error

	mu    sync.Mutex
	lanes map[string]*lane // Ordered: messages waiting per key
}

type lane struct{ q []*driver.Message }

// Subscribe starts delivering the messages of topic to h, with up to
// Concurrency handlers at once. It returns once the subscription is
// established at the broker: a message published after Subscribe returns is
// delivered. Options: Group, Broadcast, TagFilter, TagPattern, Ordered,
// Concurrency, MaxAttempts, WithBackoff, DeadLetterTopic, HandlerTimeout,
// StartFrom, StartAt, WithMiddleware, DriverOption.
func (c *Client) Subscribe(ctx context.Context, topic string, h Handler, opts ...Option) (*Subscriber, error) {
	const op = "subscribe"
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
		slots:     make(chan struct{}, set.concurrency),
		queue:     make(chan *driver.Message, set.concurrency),
		acks:      make(chan finished, 2*set.concurrency),
		ackerDone: make(chan struct{}),
		ackerQuit: make(chan struct{}),
		loopDone:  make(chan struct{}),
		lanes:     map[string]*lane{},
	}
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

// worker runs handlers for unordered messages until the queue closes.
func (s *Subscriber) worker() {
	defer s.wg.Done()
	for dm := range s.queue {
		s.process(dm)
	}
}

// maxAckBatch bounds how many finished messages one driver Ack call settles.
const maxAckBatch = 256

// finished is a message whose handler is done, on its way to the acker.
type finished struct {
	dm    *driver.Message
	kind  EventKind // EventAcked or EventSkipped, for hooks
	start time.Time // when processing began, for hooks
}

// acker settles finished messages in batches: it takes what is waiting, up
// to maxAckBatch, and acks it in one driver call, so acks cost one call per
// batch under load and add no delay when idle. It ends when acks is closed
// (after flushing) or ackerQuit is closed.
func (s *Subscriber) acker() {
	defer close(s.ackerDone)
	done := make([]finished, 0, maxAckBatch)
	batch := make([]*driver.Message, 0, maxAckBatch)
	for {
		var f finished
		var ok bool
		select {
		case f, ok = <-s.acks:
			if !ok {
				return
			}
		case <-s.ackerQuit:
			return
		}
		done = append(done[:0], f)
	more:
		for len(done) < maxAckBatch {
			select {
			case f, ok = <-s.acks:
				if !ok {
					break more
				}
				done = append(done, f)
			default:
				break more
			}
		}
		batch = batch[:0]
		for _, f := range done {
			batch = append(batch, f.dm)
		}
		s.flush(batch, done)
		if !ok {
			return
		}
	}
}

func (s *Subscriber) flush(batch []*driver.Message, done []finished) {
	ctx := context.Background()
	if err := s.sub.Ack(ctx, batch); err != nil {
		if len(batch) == 1 {
			s.report("ack", batch[0], err)
			return
		}
		// One bad message (say, of a revoked partition) must not leave the
		// others unsettled: settle them one by one.
		for i, dm := range batch {
			if err := s.sub.Ack(ctx, batch[i:i+1]); err != nil {
				s.report("ack", dm, err)
				continue
			}
			s.st.settled(ctx, done[i].kind, dm, nil, done[i].start)
		}
		return
	}
	for _, f := range done {
		s.st.settled(ctx, f.kind, f.dm, nil, f.start)
	}
}

// ack hands dm to the acker; after Close gave up, the message is left
// unsettled (the broker redelivers it).
func (s *Subscriber) ack(dm *driver.Message, kind EventKind, start time.Time) {
	select {
	case s.acks <- finished{dm, kind, start}:
	case <-s.ackerDone:
	}
}

// open validates subscription options and opens the driver subscription;
// shared by Subscribe and NewConsumer.
func (c *Client) open(ctx context.Context, op string, where scope, topic string, opts []Option) (*settings, driver.Subscription, error) {
	if err := c.checkOpen(op); err != nil {
		return nil, nil, err
	}
	if err := validTopic(op, topic); err != nil {
		return nil, nil, err
	}
	set := newSettings()
	set.logger = c.log
	if err := set.applyAll(op, where, opts); err != nil {
		return nil, nil, err
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
		return nil, nil, driver.Errorf(driver.CodeUnsupported, op, "backend %s lacks %s", c.caps.Backend, m)
	}
	cfg := &driver.SubscriptionConfig{
		Topic:       topic,
		Group:       set.group,
		Broadcast:   set.broadcast,
		Ordered:     set.ordered,
		Prefetch:    set.concurrency,
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
	return set, sub, nil
}

// Topic returns the topic subscribed to.
func (s *Subscriber) Topic() string { return s.topic }

// As sets target to a backend type of the subscription and reports whether
// it could.
func (s *Subscriber) As(target any) bool { return s.sub.As(target) }

// loop receives as many messages as there are free slots and dispatches them.
func (s *Subscriber) loop() {
	defer close(s.loopDone)
	failures := 0
	for {
		n, ok := s.acquire()
		if !ok {
			return
		}
		dms, err := s.sub.Receive(s.intake, n)
		for i := len(dms); i < n; i++ {
			<-s.slots
		}
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
		for _, dm := range dms {
			s.dispatch(dm)
		}
	}
}

// acquire takes at least one free slot (blocking) and as many more as are free.
func (s *Subscriber) acquire() (int, bool) {
	select {
	case s.slots <- struct{}{}:
	case <-s.intake.Done():
		return 0, false
	}
	n := 1
	for n < cap(s.slots) {
		select {
		case s.slots <- struct{}{}:
			n++
		default:
			return n, true
		}
	}
	return n, true
}

func (s *Subscriber) dispatch(dm *driver.Message) {
	if !s.set.ordered {
		s.queue <- dm // never blocks: one slot per queued message
		return
	}
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
			s.process(next)
		}
	}()
}

// process runs the handler for dm until it is settled, then frees its slot.
// During Close, messages not yet started are left unsettled: the driver
// returns them to the broker for redelivery.
func (s *Subscriber) process(dm *driver.Message) {
	defer func() { <-s.slots }()
	if s.closing.Load() {
		return
	}
	ctx := context.Background()
	start := time.Now()
	if f := s.set.filter; f != nil && !f.Match(dm.Tag) {
		s.ack(dm, EventSkipped, start)
		return
	}
	for {
		err := s.invoke(dm)
		if err == nil {
			s.ack(dm, EventAcked, start)
			return
		}
		var p permanent
		if s.set.ordered && dm.Attempt < s.set.maxAttempts && !errors.As(err, &p) {
			// In-place retry keeps the key's order: nothing after dm runs
			// until it succeeds or is dead-lettered.
			if !sleepCtx(s.intake, s.set.backoff(max(dm.Attempt, 1))) {
				return // closing: left unsettled, redelivered later
			}
			dm.Attempt++
			continue
		}
		s.report("nack", dm, s.st.fail(ctx, dm, err, start))
		return
	}
}

func (s *Subscriber) report(op string, dm *driver.Message, err error) {
	if err != nil && !(s.closing.Load() && driver.CodeOf(err) == driver.CodeClosed) {
		s.st.logErr(op, dm, err)
	}
}

// invoke calls the handler once with panic recovery and the timeout.
func (s *Subscriber) invoke(dm *driver.Message) error {
	m := fromDriver(dm)
	if s.set.handlerTimeout <= 0 {
		return s.call(s.work, m)
	}
	ctx, cancel := context.WithTimeout(s.work, s.set.handlerTimeout)
	defer cancel()
	res := make(chan error, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res <- s.call(ctx, m)
	}()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return &Error{Code: driver.CodeTimeout, Op: "handle", Msg: fmt.Sprintf("handler exceeded %v", s.set.handlerTimeout)}
	}
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

// Close stops receiving, waits for running handlers (bounded by ctx; when
// ctx ends first their contexts are canceled and their messages are left
// unsettled for redelivery), settles what finished and closes the
// subscription. Messages received but not started are redelivered, never
// acknowledged. A second Close returns ErrClosed.
func (s *Subscriber) Close(ctx context.Context) error {
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
		close(s.queue) // the loop was its only sender
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
