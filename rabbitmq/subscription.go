package rabbitmq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// subscription consumes one queue on a channel of its own (basic.qos =
// Prefetch, manual acks). Receive reads amqp091's delivery channel directly
// (at most Prefetch unacked deliveries are buffered there). A goroutine
// (run) watches the channel: when it or the connection is lost, or the
// broker cancels the consumer, it re-declares the topology and consumes
// again, until Close; Receive waits meanwhile.
type subscription struct {
	c        *conn
	cfg      *driver.SubscriptionConfig
	mode     Mode
	queue    string
	qargs    amqp.Table
	qtype    QueueType // of the group or topic queue and its dead-letter and retry queues
	existing bool      // WithExistingQueue: declare nothing, consume the queue as it is
	bindings []string
	tagKey   bool // the routing key is the tag

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	cur   *consumer     // nil while resuming
	ready chan struct{} // closed while cur is set

	link atomic.Pointer[func(error)] // WatchLink's function (link.go)

	closeOnce sync.Once
}

// consumer is one generation of the subscription: a channel consuming the queue.
type consumer struct {
	ch         *amqp.Channel
	book       *ackBook
	deliveries <-chan amqp.Delivery
	lost       chan struct{} // closed by whoever first sees deliveries closed
	lostOnce   sync.Once
}

func (k *consumer) markLost() { k.lostOnce.Do(func() { close(k.lost) }) }

// ackAlone acknowledges one delivery the subscriber never sees (a probe).
func (k *consumer) ackAlone(tag uint64) {
	_ = k.book.settle(tag, func() error { return k.ch.Ack(tag, false) })
}

// ackRef is a delivery's handle: its tag is only valid on the channel that
// delivered it.
type ackRef struct {
	ch   *amqp.Channel
	book *ackBook
	tag  uint64
}

// Subscribe declares the queue (and in exchange modes the exchange and the
// bindings), sets the prefetch, starts consuming, and returns once that is
// done, so that a message published afterwards is routed to the queue.
func (c *conn) Subscribe(ctx context.Context, cfg *driver.SubscriptionConfig) (driver.Subscription, error) {
	if err := c.checkOpen("subscribe"); err != nil {
		return nil, err
	}
	s := &subscription{c: c, cfg: cfg, mode: c.modeFor(cfg.Topic, cfg.Options), done: make(chan struct{})}
	if err := s.plan(); err != nil {
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	k, err := s.setup(ctx)
	if err != nil {
		s.cancel()
		return nil, err
	}
	c.subsMu.Lock()
	if c.closed.Load() {
		c.subsMu.Unlock()
		s.cancel()
		_ = k.ch.Close()
		return nil, c.checkOpen("subscribe")
	}
	c.subs[s] = struct{}{}
	c.subsMu.Unlock()
	// conn.Close waits for run even when this subscription's Close gave up.
	if !c.spawn(func() { s.run(k) }) {
		s.cancel()
		_ = k.ch.Close()
		close(s.done)
		return nil, c.checkOpen("subscribe")
	}
	return s, nil
}

// plan derives queue, arguments and bindings from the mode and the config.
func (s *subscription) plan() error {
	cfg := s.cfg
	if err := driver.AMQPTopics.Check("subscribe", "topic", cfg.Topic); err != nil {
		return err
	}
	s.qtype, s.existing = s.c.queueTypeFor(cfg.Options)
	if _, ok := parseQueueType(s.qtype.String()); !ok {
		return driver.Errorf(driver.CodeInvalidOption, "subscribe", "WithQueueType(%s): want Classic or Quorum", s.qtype)
	}
	if s.existing && cfg.Broadcast {
		return driver.Errorf(driver.CodeInvalidOption, "subscribe", "WithExistingQueue with Broadcast: a broadcast queue is the subscriber's own")
	}
	if s.mode.queueMode() {
		if cfg.Broadcast {
			return driver.Errorf(driver.CodeUnsupported, "subscribe", "broadcast needs an exchange: topic %q is in %s mode (use fanout, direct or topic)", cfg.Topic, s.mode)
		}
		s.queue = cfg.Topic
		s.setArgs()
		return nil
	}
	s.tagKey = true
	if cfg.Broadcast {
		var b [6]byte
		_, _ = rand.Read(b[:])
		s.queue = cfg.Topic + ".broadcast." + hex.EncodeToString(b[:])
	} else {
		s.queue = groupQueue(cfg.Topic, cfg.Group)
	}
	var tags, patterns []string
	if cfg.Filter != nil {
		tags, patterns = cfg.Filter.Tags(), cfg.Filter.Patterns()
	}
	switch s.mode {
	case Fanout:
		s.bindings = []string{""} // mq filters client-side
	case Direct:
		if len(patterns) > 0 {
			return driver.Errorf(driver.CodeUnsupported, "subscribe", "topic %q is in direct mode: routing keys match exactly, patterns need topic mode", cfg.Topic)
		}
		s.bindings = tags
		if len(s.bindings) == 0 {
			s.bindings = []string{""} // a direct exchange routes untagged messages only
		}
	default:
		switch {
		case len(patterns) > 0:
			s.bindings = patterns
		case len(tags) > 0:
			s.bindings = tags
		default:
			s.bindings = []string{"#"}
		}
	}
	if err := checkName("subscribe", "queue name", s.queue); err != nil {
		return err
	}
	s.setArgs()
	for _, k := range s.bindings {
		if err := checkKey("subscribe", "tag filter", k); err != nil {
			return err
		}
	}
	return nil
}

// setArgs sets the arguments of the subscription's queue: its type's
// (broadcast queues are classic: exclusive and auto-delete) and single
// active consumer for Ordered.
func (s *subscription) setArgs() {
	if !s.cfg.Broadcast {
		s.qargs = s.qtype.queueArgs(s.queue, s.c.cfg.deliveryLimit, s.c.cfg.alo.Load())
	}
	if s.cfg.Ordered {
		if s.qargs == nil {
			s.qargs = amqp.Table{}
		}
		s.qargs["x-single-active-consumer"] = true
	}
}

// dlqFirst declares, on the publishing connection, the dead-letter queue a
// quorum queue's x-delivery-limit dead-letters to: at-least-once
// dead-lettering keeps a message in its queue until the target has it.
func (s *subscription) dlqFirst(ctx context.Context) error {
	if s.existing || s.cfg.Broadcast || s.qtype != Quorum || s.c.cfg.deliveryLimit == 0 {
		return nil
	}
	_, err := s.c.dlqTarget(ctx, s.queue, s.qtype)
	return err
}

// setup opens a channel on the current connection, starts consuming and
// makes that the current consumer.
func (s *subscription) setup(ctx context.Context) (*consumer, error) {
	if err := s.dlqFirst(ctx); err != nil {
		return nil, err
	}
	conn, _, err := s.c.sub.current(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, classify("subscribe", err)
	}
	deliveries, err := s.declare(ch)
	if err != nil {
		_ = ch.Close()
		return nil, err
	}
	k := &consumer{ch: ch, book: newAckBook(ch), deliveries: deliveries, lost: make(chan struct{})}
	s.mu.Lock()
	s.cur = k
	if s.ready == nil {
		s.ready = make(chan struct{})
	}
	close(s.ready)
	s.mu.Unlock()
	return k, nil
}

// drop forgets k as the current consumer (Receive then waits for the next).
func (s *subscription) drop(k *consumer) {
	k.markLost()
	s.mu.Lock()
	if s.cur == k {
		s.cur = nil
		s.ready = make(chan struct{})
	}
	s.mu.Unlock()
}

func (s *subscription) declare(ch *amqp.Channel) (<-chan amqp.Delivery, error) {
	cfg := s.cfg
	if err := s.declareTopology(ch); err != nil {
		return nil, err
	}
	if err := ch.Qos(max(cfg.Prefetch, 1), 0, false); err != nil {
		return nil, classify("subscribe", err)
	}
	deliveries, err := ch.Consume(s.queue, "", false, false, false, false, nil)
	if err != nil {
		return nil, classify("subscribe", err)
	}
	return deliveries, nil
}

// declareTopology declares the queue of the subscription and, in exchange
// modes, the exchange and the bindings: what Subscribe and Declare share.
func (s *subscription) declareTopology(ch *amqp.Channel) error {
	cfg := s.cfg
	if s.existing {
		return declarePassive(ch, s.queue)
	}
	if s.mode.queueMode() {
		return declareQueue(ch, s.queue, s.qargs)
	}
	if err := declareExchange(ch, cfg.Topic, s.mode); err != nil {
		return err
	}
	if cfg.Broadcast {
		if _, err := ch.QueueDeclare(s.queue, false, true, true, false, s.qargs); err != nil {
			return classify("subscribe", err)
		}
	} else if err := declareQueue(ch, s.queue, s.qargs); err != nil {
		return err
	}
	for _, key := range s.bindings {
		if err := ch.QueueBind(s.queue, key, cfg.Topic, false, nil); err != nil {
			return classify("subscribe", err)
		}
	}
	return nil
}

// run watches the current consumer and resumes after a lost channel,
// connection or consumer.
func (s *subscription) run(k *consumer) {
	defer close(s.done)
	for {
		closed := k.ch.NotifyClose(make(chan *amqp.Error, 1))
		canceled := k.ch.NotifyCancel(make(chan string, 1))
		select {
		case <-s.ctx.Done():
		case <-closed:
		case <-canceled:
		case <-k.lost:
		}
		s.drop(k)
		// Unacked messages of the old channel go back to the queue when it
		// closes; the broker redelivers them (Redelivered set).
		_ = k.ch.Close()
		if s.ctx.Err() != nil {
			return
		}
		s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq rabbitmq: consumer channel lost; resuming",
			slog.String("topic", s.cfg.Topic), slog.String("queue", s.queue))
		s.tell(driver.Errorf(driver.CodeUnavailable, "receive", "consumer of queue %q lost; resuming", s.queue))
		for attempt := 1; ; attempt++ {
			if !kit.Sleep(s.ctx, reconnectBackoff(attempt)) {
				return
			}
			var err error
			k, err = s.setup(s.ctx)
			if err == nil {
				s.tell(nil)
				s.c.log.LogAttrs(context.Background(), slog.LevelInfo, "unimq rabbitmq: consumer resumed",
					slog.String("topic", s.cfg.Topic), slog.String("queue", s.queue), slog.Int("attempts", attempt))
				break
			}
			if s.ctx.Err() != nil {
				return
			}
			if attempt == 1 || attempt%10 == 0 {
				s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq rabbitmq: resuming consumer failed; retrying",
					slog.String("topic", s.cfg.Topic), slog.String("queue", s.queue), slog.Int("attempt", attempt), slog.String("error", err.Error()))
			}
		}
	}
}

func (s *subscription) current() (*consumer, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.ready
}

func (s *subscription) convert(k *consumer, d *amqp.Delivery) *driver.Message {
	return received(d, s.cfg.Topic, s.tagKey, k.ch, k.book)
}

// Receive waits for the first delivery, then takes what else is buffered,
// up to max.
func (s *subscription) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	for {
		k, ready := s.current()
		if k == nil {
			select {
			case <-ready:
				continue
			case <-ctx.Done():
				return nil, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "receive", Err: ctx.Err()}
			case <-s.ctx.Done():
				return nil, &driver.Error{Code: driver.CodeClosed, Op: "receive", Msg: "subscription closed"}
			}
		}
		select {
		case d, ok := <-k.deliveries:
			if !ok {
				s.drop(k)
				continue
			}
			if isProbe(&d) {
				k.ackAlone(d.DeliveryTag)
				continue
			}
			out := make([]*driver.Message, 1, min(max, 1+len(k.deliveries)))
			out[0] = s.convert(k, &d)
			for len(out) < max {
				select {
				case d, ok := <-k.deliveries:
					if !ok {
						s.drop(k)
						return out, nil
					}
					if isProbe(&d) {
						k.ackAlone(d.DeliveryTag)
						continue
					}
					out = append(out, s.convert(k, &d))
				default:
					return out, nil
				}
			}
			return out, nil
		case <-k.lost:
		case <-ctx.Done():
			return nil, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "receive", Err: ctx.Err()}
		case <-s.ctx.Done():
			return nil, &driver.Error{Code: driver.CodeClosed, Op: "receive", Msg: "subscription closed"}
		}
	}
}

func ref(m *driver.Message) (*ackRef, error) {
	r, ok := m.AckID.(*ackRef)
	if !ok || r == nil {
		return nil, driver.Errorf(driver.CodeInvalidArgument, "ack", "message was not received from this subscription")
	}
	return r, nil
}

// Ack acknowledges the messages on the channels that delivered them, a
// batch of one channel's contiguous deliveries in one frame (ackBook). A
// message whose channel was lost cannot be acknowledged any more (the
// broker redelivers it): that is a CodeUnavailable error.
func (s *subscription) Ack(ctx context.Context, msgs []*driver.Message) error {
	var first error
	var book *ackBook
	var buf [64]uint64
	tags := buf[:0]
	flush := func() {
		if book == nil || len(tags) == 0 {
			return
		}
		if err := book.ack(tags); err != nil && first == nil {
			first = staleErr("ack", err)
		}
		tags = tags[:0]
	}
	for _, m := range msgs {
		r, err := ref(m)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if r.book != book {
			flush()
			book = r.book
		}
		tags = append(tags, r.tag)
	}
	flush()
	return first
}

func staleErr(op string, err error) error {
	if driver.CodeOf(err) != driver.CodeUnknown {
		return err
	}
	return &driver.Error{Code: driver.CodeUnavailable, Op: op,
		Msg: "the delivering channel is gone; the broker redelivers the message", Err: err}
}

// settleByRepublish publishes a copy of m (confirmed), then acks the
// original. When the copy fails the original is requeued (basic.nack with
// requeue), so the message is never lost.
func (s *subscription) settleByRepublish(ctx context.Context, op string, m *driver.Message, exchange, key string, p *amqp.Publishing) error {
	r, err := ref(m)
	if err != nil {
		return err
	}
	if r.ch.IsClosed() {
		return staleErr(op, amqp.ErrClosed)
	}
	if err := s.c.publishConfirmed(ctx, exchange, key, p); err != nil {
		return s.requeue(m, err)
	}
	return s.ack(op, m)
}

// ack acknowledges the original of a stored copy. When that fails the
// original comes back too: a duplicate, never a loss.
func (s *subscription) ack(op string, m *driver.Message) error {
	r, err := ref(m)
	if err != nil {
		return err
	}
	if err := r.book.settle(r.tag, func() error { return r.ch.Ack(r.tag, false) }); err != nil {
		return staleErr(op, err)
	}
	return nil
}

// Nack republishes m with attempt+1: at once to the queue for delay <= 0,
// else through the retry queue of the delay's bucket, whose TTL dead-letters
// it back to this queue only (not to other groups).
func (s *subscription) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	if err := s.closedErr("nack"); err != nil {
		return err
	}
	key := s.queue
	if delay > 0 {
		rq, err := s.c.retryTarget(ctx, s.queue, s.qtype, bucket(delay))
		if err != nil {
			return s.requeue(m, err)
		}
		key = rq
	}
	extra := map[string]string{driver.HeaderAttempt: strconv.Itoa(max(m.Attempt, 1) + 1)}
	p := publishing(m, true, true, extra, m.PublishTime)
	return s.settleByRepublish(ctx, "nack", m, "", key, &p)
}

// DeadLetter publishes m with the dead-letter headers to cfg.DeadLetter (a
// topic, published like Send in its mode) or, by default or when that topic
// routes it nowhere, to the durable queue "<queue>.dlq"; then acks it.
func (s *subscription) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	if err := s.closedErr("dead-letter"); err != nil {
		return err
	}
	if r, err := ref(m); err != nil {
		return err
	} else if r.ch.IsClosed() {
		return staleErr("dead-letter", amqp.ErrClosed)
	}
	h := kit.DeadLetterHeaders(m, s.cfg.Topic, s.cfg.Group, reason)
	dm := &driver.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Headers: h, Body: m.Body}
	if dl := s.cfg.DeadLetter; dl != "" {
		mode := s.c.modeFor(dl, s.cfg.Options)
		r, err := s.c.routeFor(ctx, dl, mode, dm, time.Now())
		if err == nil {
			p := publishing(dm, true, r.tagHeader, nil, m.PublishTime)
			if err = s.c.publishConfirmed(ctx, r.exchange, r.key, &p); err == nil {
				return s.ack("dead-letter", m)
			}
		}
		if driver.CodeOf(err) != driver.CodeUnroutable {
			return s.requeue(m, err)
		}
		s.c.log.LogAttrs(ctx, slog.LevelWarn, "unimq rabbitmq: dead-letter topic routes nowhere; using the dead-letter queue",
			slog.String("topic", dl), slog.String("queue", dlqName(s.queue)), slog.String("error", err.Error()))
	}
	q, err := s.c.dlqTarget(ctx, s.queue, s.qtype)
	if err != nil {
		return s.requeue(m, err)
	}
	p := publishing(dm, true, true, nil, m.PublishTime)
	return s.settleByRepublish(ctx, "dead-letter", m, "", q, &p)
}

// requeue returns m to its queue (basic.nack with requeue) after a failure
// to store its copy.
func (s *subscription) requeue(m *driver.Message, cause error) error {
	if r, err := ref(m); err == nil {
		if nerr := r.book.settle(r.tag, func() error { return r.ch.Nack(r.tag, false, true) }); nerr != nil {
			s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq rabbitmq: requeue failed; the broker redelivers the message when the channel closes",
				slog.String("queue", s.queue), slog.String("error", nerr.Error()))
		}
	}
	return cause
}

func (s *subscription) closedErr(op string) error {
	if s.ctx.Err() != nil {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "subscription closed"}
	}
	return nil
}

// Close stops consuming and closes the channel: the broker requeues every
// unacknowledged delivery of this subscriber (to this queue).
func (s *subscription) Close(ctx context.Context) error {
	first := false
	s.closeOnce.Do(func() { first = true })
	if !first {
		return &driver.Error{Code: driver.CodeClosed, Op: "close", Msg: "subscription already closed"}
	}
	s.cancel()
	s.c.subsMu.Lock()
	delete(s.c.subs, s)
	s.c.subsMu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		// The connection close in conn.Close ends run for sure.
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "close", Err: ctx.Err()}
	}
}

// As gives the current consuming channel for **amqp091.Channel and its
// connection for **amqp091.Connection.
func (s *subscription) As(target any) bool {
	k, _ := s.current()
	switch t := target.(type) {
	case **amqp.Channel:
		if k == nil || k.ch.IsClosed() {
			return false
		}
		*t = k.ch
		return true
	case **amqp.Connection:
		conn := s.c.sub.connection()
		if conn == nil {
			return false
		}
		*t = conn
		return true
	}
	return false
}
