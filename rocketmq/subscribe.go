package rocketmq

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// subscription is one push consumer. The client calls consume (from its
// own goroutines: up to 2*Prefetch at once in concurrent mode, one per
// queue in orderly mode) with up to consumeBatch messages; consume hands
// them to Receive through ch (buffered, so the client's goroutine does not
// wait for Receive to come round) and waits until each is settled, then
// tells the client ConsumeSuccess:
//
//	Ack                 -> settled (offset moves past the batch once all are)
//	Nack(delay)         -> clustering, concurrent: a copy to %RETRY%<group>,
//	                       due after delay, with the next attempt (retry.go),
//	                       then settled like an Ack; orderly, broadcasting or
//	                       copy failed: redelivered in place after delay
//	                       (blocking only that queue), Attempt+1
//	DeadLetter(reason)  -> published to %DLQ%<group> (or DeadLetterTopic)
//	                       with the reason headers, then settled like an Ack
//	Close               -> no more settlements; concurrent clustering: the
//	                       unsettled messages of waiting callbacks go to the
//	                       retry topic (handOver); then the consumer is shut
//	                       down (its queues are dropped and offsets persisted
//	                       below every unsettled message) and waiting
//	                       callbacks return; their results are ignored.
type subscription struct {
	c       *conn
	cfg     *driver.SubscriptionConfig
	group   string
	ordered bool
	bcast   bool
	pc      rmq.PushConsumer
	cid     string // the client's id at the broker (queue locks), "" if unknown

	releaseGroup func()                                 // ends this subscription's claim on its group (groups.go)
	stopWatch    func()                                 // stops the background goroutines (handover.go); nil if none
	kick         chan struct{}                          // a callback succeeded: persist offsets soon (handover.go)
	inflight     map[primitive.MessageQueue]int         // messages in a callback per queue (guarded by mu)
	done         map[primitive.MessageQueue]int64       // orderly: next offset after what was consumed (guarded by mu)
	acked        map[primitive.MessageQueue]*ackedQueue // concurrent clustering: acknowledged offsets still held by the client (acked.go; guarded by mu)

	retryTopic string // "%RETRY%<group>" as the client names it; "" for broadcast

	ch      chan []*delivery // the messages of one callback each
	recvMu  sync.Mutex
	pending []*delivery // what a Receive had no room for
	closing chan struct{}
	closed  atomic.Bool

	closeMu    sync.RWMutex // held for reading by a Nack writing its retry copy, for writing by Close
	mu         sync.Mutex
	active     map[*batch][]*delivery // callbacks waiting for their messages to settle (guarded by mu)
	handedOver bool                   // Close ran handOver: later callbacks go to lateBatch (guarded by mu)
	lastSettle time.Time              // when the last Ack/Nack/DeadLetter was handed to a callback
	once       sync.Once
}

type outcome int

const (
	outAck outcome = iota
	outRetry
)

// delivery is one message of a callback's batch on its way to Receive.
type delivery struct {
	dm      *driver.Message
	me      *primitive.MessageExt
	b       *batch
	st      settle // written once, before the batch's count drops
	settled atomic.Bool
}

// batch counts the unsettled messages of one callback round.
type batch struct {
	left atomic.Int32
	done chan struct{} // closed when left reaches 0
}

type settle struct {
	out   outcome
	delay time.Duration
}

// settleGrace is how long Close lets the client apply the outcome of the
// last settlement before it shuts the consumer down.
const settleGrace = 500 * time.Millisecond

var validGroup = regexp.MustCompile(`^[%|a-zA-Z0-9_-]{1,255}$`)

// Subscribe starts a push consumer for cfg and returns once it was assigned
// its queues (so a message published afterwards is received).
func (c *conn) Subscribe(ctx context.Context, cfg *driver.SubscriptionConfig) (driver.Subscription, error) {
	const op = "subscribe"
	if err := c.checkOpen(op); err != nil {
		return nil, err
	}
	group, exact, err := c.rocketGroup(cfg)
	if err != nil {
		return nil, err
	}
	release, err := c.claimGroup(group, cfg.Topic, exact)
	if err != nil {
		return nil, err
	}
	sub, err := c.subscribe(ctx, cfg, group)
	if err != nil {
		release()
		return nil, err
	}
	sub.releaseGroup = release
	return sub, nil
}

func (c *conn) subscribe(ctx context.Context, cfg *driver.SubscriptionConfig, group string) (*subscription, error) {
	const op = "subscribe"
	if err := c.ensureTopic(ctx, op, cfg.Topic, c.cfg.queues); err != nil {
		return nil, err
	}
	retry := ""
	if !cfg.Broadcast {
		// The broker creates the retry topic at the consumer's first
		// heartbeat, but until the clients see its route their rebalance
		// fails for it (and logs so): create it up front.
		retry = "%RETRY%" + group
		if c.cfg.namespace != "" {
			retry = "%RETRY%" + c.cfg.namespace + "%" + group // as the client names it
		}
		if err := c.ensureFull(ctx, op, retry, 1); err != nil {
			return nil, err
		}
	}
	if err := c.presetOffsets(ctx, group, cfg); err != nil {
		return nil, c.routeErr(ctx, op, cfg.Topic, err)
	}
	prefetch := max(cfg.Prefetch, 1)
	s := &subscription{c: c, cfg: cfg, group: group, ordered: cfg.Ordered, bcast: cfg.Broadcast, retryTopic: retry,
		ch: make(chan []*delivery, 2*prefetch), closing: make(chan struct{}), active: map[*batch][]*delivery{},
		inflight: map[primitive.MessageQueue]int{}, done: map[primitive.MessageQueue]int64{}, kick: make(chan struct{}, 1)}
	if !s.ordered && !s.bcast {
		s.acked = map[primitive.MessageQueue]*ackedQueue{}
	}
	maxAttempts := max(cfg.MaxAttempts, 1)
	opts := []consumer.Option{
		consumer.WithNsResolver(primitive.NewPassthroughResolver(c.cfg.nameServers)),
		consumer.WithGroupName(group),
		consumer.WithInstance(c.cfg.instanceName("c")),
		consumer.WithConsumerOrder(cfg.Ordered),
		// Concurrent consumers take the messages of one pull in batches
		// (one callback, one hand-off and one result for many messages);
		// every message is settled on its own (see Nack), so a failure never
		// redelivers its batch-mates. Orderly consumers take one at a time.
		consumer.WithConsumeMessageBatchMaxSize(consumeBatch(cfg)),
		// Twice the prefetch: while mq handles Prefetch messages, as many wait
		// in consume for the next Receive (still unsettled: redelivered if the
		// subscription closes), so the hand-off never runs dry.
		consumer.WithConsumeGoroutineNums(2 * prefetch),
		consumer.WithMaxReconsumeTimes(int32(maxAttempts + 1)),
	}
	if cfg.Broadcast {
		opts = append(opts, consumer.WithConsumerModel(consumer.BroadCasting))
	} else {
		opts = append(opts, consumer.WithConsumerModel(consumer.Clustering))
	}
	switch cfg.Start.Kind {
	case driver.StartOldest:
		opts = append(opts, consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	case driver.StartAtTime:
		opts = append(opts, consumer.WithConsumeFromWhere(consumer.ConsumeFromTimestamp),
			consumer.WithConsumeTimestamp(cfg.Start.Time.UTC().Format("20060102150405")))
	default:
		opts = append(opts, consumer.WithConsumeFromWhere(consumer.ConsumeFromLastOffset))
	}
	if c.cfg.namespace != "" {
		opts = append(opts, consumer.WithNamespace(c.cfg.namespace))
	}
	if c.cfg.creds.AccessKey != "" {
		opts = append(opts, consumer.WithCredentials(c.cfg.creds))
	}
	pc, err := rmq.NewPushConsumer(opts...)
	if err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, op, err)
	}
	expr := "*"
	if f := cfg.Filter; f != nil && f.Patterns() == nil {
		if tags := f.Tags(); len(tags) > 0 {
			expr = strings.Join(tags, " || ")
		}
	}
	if err := pc.Subscribe(cfg.Topic, consumer.MessageSelector{Type: consumer.TAG, Expression: expr}, s.consume); err != nil {
		_ = pc.Shutdown()
		return nil, driver.Wrap(driver.CodeUnavailable, op, err)
	}
	if err := pc.Start(); err != nil {
		_ = pc.Shutdown()
		return nil, driver.Wrap(driver.CodeUnavailable, op, err)
	}
	s.pc = pc
	s.cid = clientID(pc)
	if !s.bcast {
		// Background work of a clustering subscription (handover.go),
		// ended by stopWatch before the client shuts down.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var once sync.Once
		s.stopWatch = func() { once.Do(func() { close(stop) }); wg.Wait() }
		wg.Add(1)
		go func() { defer wg.Done(); s.persistSoon(stop) }()
		if s.ordered {
			wg.Add(1)
			go func() { defer wg.Done(); s.watch(stop) }()
		}
	}
	c.subsMu.Lock()
	if c.closed.Load() {
		c.subsMu.Unlock()
		s.shutdown()
		return nil, &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "connection closed"}
	}
	c.subs[s] = struct{}{}
	c.subsMu.Unlock()
	if err := s.waitAssigned(ctx); err != nil {
		_ = s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// waitAssigned waits until the consumer holds at least one queue of the
// topic, or until the group's allocation gives it none (more members than
// queues: it joins at once and idles until a member leaves). A clustering
// group's start offsets were committed at the broker before the consumer
// started, so one queue is enough; a broadcasting consumer keeps its offsets
// locally and fixes each queue's start when the queue enters its table, so it
// waits for every readable queue of the topic (else a message published
// right after Subscribe to a queue not yet in the table would be skipped).
// Past route_wait it returns anyway, with a warning (an orderly queue still
// locked by a member that crashed).
func (s *subscription) waitAssigned(ctx context.Context) error {
	table := processQueues(s.pc)
	if table == nil {
		return nil // unknown client layout: nothing to wait on
	}
	full := s.c.fullTopic(s.cfg.Topic)
	deadline := time.Now().Add(s.c.cfg.routeWait)
	nextShare := time.Now().Add(100 * time.Millisecond)
	want := 1 // queues to hold before returning
	if s.bcast {
		want = 0 // every readable queue, once the route says how many
	}
	for {
		if want == 0 {
			if r, err := remoting.QueryRoute(ctx, s.c.cfg.nameServers, full); err == nil && r != nil && r.Queues > 0 {
				want = r.Queues
			}
		}
		n := 0
		table.Range(func(k, _ any) bool {
			if mq, ok := k.(primitive.MessageQueue); ok && mq.Topic == full {
				n++
			}
			return true
		})
		if want > 0 && n >= want {
			return nil
		}
		if !s.bcast && time.Now().After(nextShare) {
			nextShare = time.Now().Add(250 * time.Millisecond)
			if want, ok := s.share(ctx); ok && want == 0 {
				s.c.log.Debug("unimq: rocketmq consumer joined with no queue (more members than queues); it idles until one is free",
					"topic", full, "group", s.group)
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.c.log.Warn("unimq: rocketmq consumer got no queue of the topic within route_wait",
				"topic", full, "group", s.group)
			return nil
		}
		if err := wait(ctx, 20*time.Millisecond); err != nil {
			return &driver.Error{Code: driver.CodeOf(err), Op: "subscribe", Msg: "waiting for queue assignment", Err: err}
		}
	}
}

// processQueues reads the push consumer's table of assigned queues
// (consumer.defaultConsumer.processQueueTable of rocketmq-client-go v2.1.2,
// a sync.Map keyed by primitive.MessageQueue). The client exports no way to
// know when the rebalance has assigned queues. Nil if the layout differs.
func processQueues(pc rmq.PushConsumer) *sync.Map {
	v := reflect.ValueOf(pc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	dc := v.Elem().FieldByName("defaultConsumer")
	if !dc.IsValid() || dc.Kind() != reflect.Pointer || dc.IsNil() {
		return nil
	}
	f := dc.Elem().FieldByName("processQueueTable")
	if !f.IsValid() || f.Type() != reflect.TypeOf(sync.Map{}) || !f.CanAddr() {
		return nil
	}
	return (*sync.Map)(unsafe.Pointer(f.UnsafeAddr()))
}

// Test hooks: callbackEnterHook runs when a callback starts (with its
// messages), callbackReturnHook before a successful one returns to the
// client, handOverHook once handOver took the callbacks it hands over.
var (
	callbackEnterHook  atomic.Pointer[func([]*primitive.MessageExt)]
	callbackReturnHook atomic.Pointer[func()]
	handOverHook       atomic.Pointer[func()]
)

// maxConsumeBatch bounds the messages of one callback (the client's pull
// batch is 32).
const maxConsumeBatch = 32

func consumeBatch(cfg *driver.SubscriptionConfig) int {
	if cfg.Ordered {
		return 1
	}
	return min(max(cfg.Prefetch, 1), maxConsumeBatch)
}

// consume is the client's callback: it hands msgs to Receive and returns
// once every one is settled.
func (s *subscription) consume(ctx context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
	if h := callbackEnterHook.Load(); h != nil {
		(*h)(msgs)
	}
	var q primitive.MessageQueue
	if len(msgs) > 0 && msgs[0].Queue != nil {
		q = *msgs[0].Queue
	}
	s.mu.Lock()
	s.inflight[q]++
	s.mu.Unlock()
	ok := s.handle(msgs)
	s.mu.Lock()
	if s.inflight[q]--; s.inflight[q] == 0 {
		delete(s.inflight, q)
	}
	if ok && s.ordered && !s.bcast && len(msgs) > 0 {
		// An orderly queue is consumed one callback at a time: everything
		// up to here is done (the offset a takeover starts from).
		if next := msgs[len(msgs)-1].QueueOffset + 1; next > s.done[q] {
			s.done[q] = next
		}
	}
	s.mu.Unlock()
	if h := callbackReturnHook.Load(); h != nil && ok {
		(*h)() // tests: a client slow to apply the result
	}
	if ok {
		select {
		case s.kick <- struct{}{}:
		default:
		}
		return consumer.ConsumeSuccess, nil
	}
	// Only when closing: the client ignores the result of a dropped queue.
	if s.ordered {
		if oc, has := primitive.GetOrderlyCtx(ctx); has {
			oc.SuspendCurrentQueueTimeMillis = 1000
		}
		return consumer.SuspendCurrentQueueAMoment, nil
	}
	return consumer.ConsumeRetryLater, nil
}

// handle delivers msgs until each is settled; false when the subscription
// closes first (the unsettled ones are redelivered).
func (s *subscription) handle(msgs []*primitive.MessageExt) bool {
	ds := make([]*delivery, len(msgs))
	for i, me := range msgs {
		ds[i] = &delivery{dm: fromExt(me, s.c.cfg.namespace), me: me}
	}
	for len(ds) > 0 {
		b := &batch{done: make(chan struct{})}
		b.left.Store(int32(len(ds)))
		for _, d := range ds {
			d.b = b
			d.dm.AckID = d
		}
		if !s.await(b, ds) {
			return false
		}
		// Redeliver here, after the delay, what was nacked in place
		// (orderly: the queue waits; broadcasting: the client would drop
		// it; or the retry topic could not be written).
		var again []*delivery
		var delay time.Duration
		for _, d := range ds {
			if d.st.out == outRetry {
				next := *d.dm
				next.Attempt++
				again = append(again, &delivery{dm: &next, me: d.me})
				delay = max(delay, d.st.delay)
			}
		}
		if len(again) > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.closing:
				t.Stop()
				return false
			}
		}
		ds = again
	}
	return true
}

// await hands ds to Receive and waits until all are settled; false when
// the subscription closes first.
func (s *subscription) await(b *batch, ds []*delivery) bool {
	s.mu.Lock()
	if s.handedOver {
		s.mu.Unlock()
		return s.lateBatch(ds)
	}
	s.active[b] = ds
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.active, b)
		s.mu.Unlock()
	}()
	select {
	case s.ch <- ds:
	case <-s.closing:
		return false
	}
	select {
	case <-b.done:
		return true
	case <-s.closing:
		return false
	}
}

// Receive returns up to max delivered messages, blocking for the first.
func (s *subscription) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	if s.closed.Load() {
		return nil, &driver.Error{Code: driver.CodeClosed, Op: "receive", Msg: "subscription closed"}
	}
	s.recvMu.Lock()
	out := s.takePending(nil, max)
	s.recvMu.Unlock()
	for len(out) == 0 {
		select {
		case ds := <-s.ch:
			out = s.admit(out, ds, max)
		case <-ctx.Done():
			return nil, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "receive", Err: ctx.Err()}
		case <-s.closing:
			return nil, &driver.Error{Code: driver.CodeClosed, Op: "receive", Msg: "subscription closed"}
		}
	}
	for len(out) < max {
		select {
		case ds := <-s.ch:
			out = s.admit(out, ds, max)
		default:
			return out, nil
		}
	}
	return out, nil
}

// takePending moves up to max-len(out) kept messages to out; s.recvMu held.
func (s *subscription) takePending(out []*driver.Message, max int) []*driver.Message {
	n := min(len(s.pending), max-len(out))
	for _, d := range s.pending[:n] {
		out = append(out, d.dm)
	}
	s.pending = s.pending[n:]
	if len(s.pending) == 0 {
		s.pending = nil
	}
	return out
}

// admit appends the messages of ds to out up to max and keeps the rest
// for the next Receive.
func (s *subscription) admit(out []*driver.Message, ds []*delivery, max int) []*driver.Message {
	n := min(len(ds), max-len(out))
	for _, d := range ds[:n] {
		out = append(out, d.dm)
	}
	if n < len(ds) {
		s.recvMu.Lock()
		s.pending = append(s.pending, ds[n:]...)
		s.recvMu.Unlock()
	}
	return out
}

func (s *subscription) settle(op string, m *driver.Message, st settle) error {
	d, ok := m.AckID.(*delivery)
	if !ok {
		return driver.Errorf(driver.CodeInvalidArgument, op, "message was not received from this backend")
	}
	if !d.settled.CompareAndSwap(false, true) {
		return driver.Errorf(driver.CodeInvalidArgument, op, "message %s already settled", m.BrokerID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "subscription closed; the message will be redelivered"}
	}
	s.lastSettle = time.Now()
	d.st = st
	if st.out == outAck && s.acked != nil {
		s.recordAck(d.me)
	}
	if d.b.left.Add(-1) == 0 {
		close(d.b.done)
	}
	return nil
}

// Ack settles msgs as consumed.
func (s *subscription) Ack(ctx context.Context, msgs []*driver.Message) error {
	var first error
	for _, m := range msgs {
		if err := s.settle("ack", m, settle{out: outAck}); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Nack asks for redelivery after delay. Concurrent clustering consumers
// write a copy to the group's retry topic (%RETRY%<group>, delivered after
// delay, carrying the attempt number) and settle the original as consumed,
// as the client's own send-back does, but for this message alone. Orderly
// and broadcasting consumers, and a copy that could not be written, are
// redelivered in place after delay.
func (s *subscription) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	if s.retryTopic != "" && !s.ordered {
		// Close waits for the copy and its settlement, so a message is
		// never both copied and redelivered because Close came between.
		s.closeMu.RLock()
		defer s.closeMu.RUnlock()
		if s.closed.Load() {
			return &driver.Error{Code: driver.CodeClosed, Op: "nack", Msg: "subscription closed; the message will be redelivered"}
		}
		err := s.sendRetry(ctx, m, delay)
		if err == nil {
			return s.settle("nack", m, settle{out: outAck})
		}
		s.c.log.Warn("unimq: rocketmq retry topic write failed; redelivering in place",
			"topic", m.Topic, "retry_topic", s.retryTopic, "error", err.Error())
	}
	return s.settle("nack", m, settle{out: outRetry, delay: delay})
}

// DeadLetter publishes m to the dead-letter topic with the reason headers
// and settles it as consumed; if that publish fails the message is
// redelivered instead.
func (s *subscription) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	const op = "dead-letter"
	if s.closed.Load() {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "subscription closed; the message will be redelivered"}
	}
	topic := s.cfg.DeadLetter
	if topic == "" {
		topic = "%DLQ%" + s.group
	}
	err := s.c.ensureTopic(ctx, op, topic, 1)
	if err == nil {
		group := s.cfg.Group // the group as the application names it, not the RocketMQ one
		if group == "" {
			group = s.group
		}
		dl := &driver.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Body: m.Body, Partition: -1,
			Headers: kit.DeadLetterHeaders(m, m.Topic, group, reason)}
		pm := toPrimitive(topic, dl)
		res, serr := s.c.sendSync(ctx, pm)
		err = checkResult(ctx, op, res, serr)
	}
	if err != nil {
		_ = s.settle(op, m, settle{out: outRetry, delay: time.Second})
		return err
	}
	return s.settle(op, m, settle{out: outAck})
}

// Close shuts the consumer down; unsettled messages are redelivered.
func (s *subscription) Close(ctx context.Context) error {
	first := false
	s.once.Do(func() {
		first = true
		s.closeMu.Lock() // waits for retry copies being written
		s.mu.Lock()
		s.closed.Store(true) // no settlement from now on
		last := s.lastSettle
		s.mu.Unlock()
		s.closeMu.Unlock()
		if s.handOver(ctx) {
			last = time.Now()
		}
		// The client applies an outcome after the callback returned: it
		// moves the offset past an acked message, and for a retry first
		// sends the message back to the retry topic (one request). Let it
		// finish before the shutdown persists the offsets, or the message
		// would be both in the retry topic and redelivered from the old
		// offset.
		if d := settleGrace - time.Since(last); d > 0 {
			_ = wait(ctx, d)
		}
		if s.stopWatch != nil {
			s.stopWatch()
		}
		// Commit (and unlock) before the client shuts down: when its
		// connections close, the broker tells the other members to take
		// the queues over.
		s.handOff(context.WithoutCancel(ctx))
		s.shutdown()
		s.unlockAll(context.WithoutCancel(ctx))
		s.c.subsMu.Lock()
		delete(s.c.subs, s)
		s.c.subsMu.Unlock()
		if s.releaseGroup != nil {
			s.releaseGroup()
		}
	})
	if !first {
		return &driver.Error{Code: driver.CodeClosed, Op: "close", Msg: "subscription already closed"}
	}
	return nil
}

func (s *subscription) shutdown() {
	if s.stopWatch != nil {
		s.stopWatch() // idempotent: see stopWatch
	}
	// Shut down first: the client drops the queues and persists offsets
	// below every unsettled message; only then release the waiting
	// callbacks, whose results the client ignores for dropped queues.
	_ = s.pc.Shutdown()
	close(s.closing)
}

// As gives the client's push consumer (*rmq.PushConsumer).
func (s *subscription) As(target any) bool {
	if t, ok := target.(*rmq.PushConsumer); ok {
		*t = s.pc
		return true
	}
	return false
}
