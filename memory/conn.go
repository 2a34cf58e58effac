package memory

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// features is everything the memory backend does.
const features = driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
	driver.CapDelay | driver.CapTransactions | driver.CapTxCheckBack | driver.CapOrdered | driver.CapGroups |
	driver.CapBroadcast | driver.CapTagFilter | driver.CapPatternFilter | driver.CapStartOldest |
	driver.CapStartTime | driver.CapDeadLetter | driver.CapPull | driver.CapPartitions | driver.CapReconnect |
	driver.CapRedeliveryDelay

// conn is one client's connection to a Broker.
type conn struct {
	b        *Broker
	log      *slog.Logger
	checker  driver.TxChecker
	txCheck  time.Duration
	txChecks int

	isClosed atomic.Bool
	done     chan struct{}   // closed by Close: aborts blocked sends
	ctx      context.Context // canceled by Close: tx check-backs
	cancel   context.CancelFunc
	checks   sync.WaitGroup              // running check-backs
	cb       *kit.Callbacks[pendingDone] // SendAsync completions, in order

	mu     sync.Mutex
	closed bool
	subs   map[*subscription]struct{}
	txs    map[*pendingTx]struct{}
}

func newConn(b *Broker, o *options, cfg *driver.OpenConfig) *conn {
	c := &conn{b: b, log: cfg.Logger, checker: cfg.TxChecker, txCheck: o.txCheck, txChecks: o.txChecks,
		done: make(chan struct{}), subs: map[*subscription]struct{}{}, txs: map[*pendingTx]struct{}{},
		cb: kit.NewCallbacks(func(p pendingDone) { p.fn(p.err) })}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	b.connsMu.Lock()
	b.conns[c] = struct{}{}
	b.connsMu.Unlock()
	return c
}

// Capabilities declares the broker's profile (every feature without like=,
// see Like); MaxMessageSize is the broker's maxsize.
func (c *conn) Capabilities() driver.Capabilities {
	return c.b.capabilities()
}

func (c *conn) closedErr(op string) error {
	return driver.Errorf(driver.CodeClosed, op, "client closed")
}

// check validates a send before anything is stored and returns the topic
// (created when new and its name follows the broker's rule).
func (c *conn) check(ctx context.Context, op, topic string, msgs []*driver.Message) (*topic, error) {
	if c.isClosed.Load() {
		return nil, c.closedErr(op)
	}
	if topic == "" {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "empty topic")
	}
	max := c.b.cfg.MaxMessageSize
	for _, m := range msgs {
		if m == nil {
			return nil, driver.Errorf(driver.CodeInvalidArgument, op, "nil message")
		}
		if n := size(m); n > max {
			return nil, driver.Errorf(driver.CodeTooLarge, op, "message of %d bytes exceeds maxsize %d", n, max)
		}
	}
	if err := c.b.checkSend(op, msgs); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	return c.b.namedTopic(op, topic)
}

func size(m *driver.Message) int {
	n := len(m.Body) + len(m.Key) + len(m.Tag) + len(m.ID)
	for k, v := range m.Headers {
		n += len(k) + len(v)
	}
	return n
}

// store appends msgs to t (no fault injection).
func (c *conn) store(ctx context.Context, t *topic, msgs []*driver.Message) error {
	return t.send(ctx, c.done, msgs)
}

// Send stores msgs at once (Sync and OneWay alike), in order; a batch is
// appended atomically. It blocks only when a partition is full and the
// broker's FullMode is Block.
func (c *conn) Send(ctx context.Context, topic string, msgs []*driver.Message, opts driver.SendOptions) error {
	const op = "publish"
	if len(msgs) == 0 {
		return nil
	}
	t, err := c.check(ctx, op, topic, msgs)
	if err != nil {
		return err
	}
	if err := c.b.injected(op); err != nil {
		return err
	}
	if err := t.routable(op, msgs); err != nil {
		return err
	}
	return c.store(ctx, t, msgs)
}

// SendAsync stores m like Send, then calls done from a goroutine of the
// connection. Validation errors and a closed client are returned directly;
// an injected failure, an unroutable message (like=rabbitmq) or a full
// partition (FullMode Fail) reaches done.
func (c *conn) SendAsync(ctx context.Context, topic string, m *driver.Message, opts driver.SendOptions, done func(error)) error {
	const op = "publish async"
	// The log keeps the message it is given, and m is mq's again once done
	// is called: store a copy and report its receipt on m.
	cp := new(driver.Message)
	*cp = *m
	one := []*driver.Message{cp}
	t, err := c.check(ctx, op, topic, one)
	if err != nil {
		return err
	}
	err = c.b.injected(op)
	if err == nil {
		err = t.routable(op, one)
	}
	if err == nil {
		err = c.store(ctx, t, one)
	}
	if err == nil {
		m.Topic, m.Partition, m.Offset, m.BrokerID, m.PublishTime = cp.Topic, cp.Partition, cp.Offset, cp.BrokerID, cp.PublishTime
	}
	c.cb.Push(pendingDone{done, err})
	return nil
}

// Subscribe joins (creating if needed) the group of cfg, or a private group
// for Broadcast. A new group starts at cfg.Start; an existing one resumes.
func (c *conn) Subscribe(ctx context.Context, cfg *driver.SubscriptionConfig) (driver.Subscription, error) {
	const op = "subscribe"
	if c.isClosed.Load() {
		return nil, c.closedErr(op)
	}
	if cfg == nil || cfg.Topic == "" {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "empty topic")
	}
	if cfg.Group == "" && !cfg.Broadcast {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "empty group")
	}
	if err := c.b.checkSubscribe(op, cfg); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	t, err := c.b.namedTopic(op, cfg.Topic)
	if err != nil {
		return nil, err
	}
	s := &subscription{c: c, t: t, cfg: *cfg, filter: cfg.Filter, groupName: cfg.Group}
	s.inflight.next, s.inflight.prev = &s.inflight, &s.inflight
	if cfg.Broadcast && s.groupName == "" {
		s.groupName = "broadcast"
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, c.closedErr(op)
	}
	c.subs[s] = struct{}{}
	c.mu.Unlock()

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.forget(s)
		return nil, driver.Errorf(driver.CodeClosed, op, "broker discarded")
	}
	name := cfg.Group
	if cfg.Broadcast {
		name = "\x00broadcast-" + strconv.FormatUint(c.b.seq.Add(1), 10)
	}
	g := t.groups[name]
	if g == nil {
		g = newGroup(t, name, cfg.Broadcast, cfg.Start)
		t.groups[name] = g
		t.glist = append(t.glist, g)
	}
	if len(g.members) == 0 {
		g.setOrdered(cfg.Ordered)
	} else if g.ordered != cfg.Ordered {
		c.forget(s)
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "group %q of topic %q is consumed with Ordered=%v by another subscriber", cfg.Group, cfg.Topic, g.ordered)
	}
	s.g = g
	g.members = append(g.members, s)
	g.bind(cfg.Filter)
	return s, nil
}

// forget removes s from the connection's open subscriptions.
func (c *conn) forget(s *subscription) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}

// Close closes every open subscription (their unsettled messages go back
// to their groups), abandons undecided transactions, waits for running
// check-backs and async callbacks, and releases the broker.
func (c *conn) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.closedErr("close")
	}
	c.closed = true
	c.isClosed.Store(true)
	close(c.done)
	subs := make([]*subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	txs := c.txs
	c.txs = map[*pendingTx]struct{}{}
	c.mu.Unlock()
	c.cancel()
	for _, s := range subs {
		_ = s.Close(ctx)
	}
	for tx := range txs {
		c.b.sched.cancel(tx.task)
	}
	c.checks.Wait()
	c.cb.Close()
	c.cb.Wait()
	c.b.connsMu.Lock()
	delete(c.b.conns, c)
	c.b.connsMu.Unlock()
	c.b.release()
	return nil
}

// As sets *target (a **Broker) to the broker of the connection.
func (c *conn) As(target any) bool {
	if p, ok := target.(**Broker); ok {
		*p = c.b
		return true
	}
	return false
}
