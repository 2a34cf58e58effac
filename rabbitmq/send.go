package rabbitmq

import (
	"context"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// route is where one message goes.
type route struct {
	exchange, key string
	tagHeader     bool
	extra         map[string]string
}

// routeFor declares what m needs and says where to publish it.
func (c *conn) routeFor(ctx context.Context, topic string, mode Mode, m *driver.Message, now time.Time) (route, error) {
	r := route{key: m.Tag, tagHeader: mode.queueMode()}
	if !m.DeliverAt.IsZero() {
		if d := m.DeliverAt.Sub(now); d > 0 {
			ms := bucket(d)
			dx, bucketKey, err := c.delayTarget(ctx, topic, mode, ms)
			if err != nil {
				return r, err
			}
			if !mode.queueMode() {
				if err := c.probe(ctx, topic, m.Tag); err != nil {
					return r, err
				}
			}
			r.exchange = dx
			r.extra = map[string]string{headerDelay: bucketKey}
			return r, nil
		}
	}
	ex, err := c.topicTarget(ctx, topic, mode)
	if err != nil {
		return r, err
	}
	r.exchange = ex
	if mode.queueMode() {
		r.key = topic
	}
	return r, nil
}

func persistent(opts []driver.Option) bool {
	for _, o := range ours(opts) {
		if o.transient {
			return false
		}
	}
	return true
}

// Send publishes msgs in order on one pooled channel. Sync mode pipelines
// them and waits for every publisher confirm: a nack is CodeRejected, a
// basic.return (no queue bound) CodeUnroutable, a channel lost before the
// confirm CodeUnavailable. One-way mode publishes on a channel without
// confirms and without the mandatory flag.
func (c *conn) Send(ctx context.Context, topic string, msgs []*driver.Message, opts driver.SendOptions) error {
	if err := c.checkOpen("publish"); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := driver.AMQPTopics.Check("publish", "topic", topic); err != nil {
		return err
	}
	mode := c.modeFor(topic, opts.Options)
	pers := persistent(opts.Options)
	now := time.Now()
	routes := make([]route, len(msgs))
	for _, m := range msgs {
		if err := validate("publish", m); err != nil {
			return err
		}
	}
	for i, m := range msgs {
		r, err := c.routeFor(ctx, topic, mode, m, now)
		if err != nil {
			return err
		}
		routes[i] = r
		if m.ID == "" {
			m.ID = c.newID()
		}
	}
	ps := make([]amqp.Publishing, len(msgs))
	for i, m := range msgs {
		ps[i] = publishing(m, pers, routes[i].tagHeader, routes[i].extra, now)
	}
	if opts.Mode == driver.OneWay {
		return c.oneway.publishAll(ctx, msgs[0].Key, routes, ps, nil)
	}
	w := newWaiter(len(msgs))
	if err := c.confirms.publishAll(ctx, msgs[0].Key, routes, ps, w); err != nil {
		return err
	}
	err := w.wait(ctx)
	if driver.CodeOf(err) == driver.CodeNotFound {
		c.adm.forget()
	}
	return err
}

// SendAsync publishes m and calls done from the channel's confirm loop when
// the broker confirmed it (or it failed). Close waits for outstanding ones.
func (c *conn) SendAsync(ctx context.Context, topic string, m *driver.Message, opts driver.SendOptions, done func(error)) error {
	if err := c.checkOpen("publish async"); err != nil {
		return err
	}
	if err := driver.AMQPTopics.Check("publish async", "topic", topic); err != nil {
		return err
	}
	if err := validate("publish async", m); err != nil {
		return err
	}
	mode := c.modeFor(topic, opts.Options)
	now := time.Now()
	r, err := c.routeFor(ctx, topic, mode, m, now)
	if err != nil {
		return err
	}
	if m.ID == "" {
		m.ID = c.newID()
	}
	p := publishing(m, persistent(opts.Options), r.tagHeader, r.extra, now)
	c.async.Start()
	err = c.confirms.publishOne(ctx, m.Key, r.exchange, r.key, &p, func(err error) {
		if driver.CodeOf(err) == driver.CodeNotFound {
			c.adm.forget()
		}
		done(err)
		c.async.Done()
	}, true)
	if err != nil {
		c.async.Done()
		return err
	}
	return nil
}

// publishConfirmed sends one prepared message to exchange/key and waits for
// its confirm: the path of retries and dead letters.
func (c *conn) publishConfirmed(ctx context.Context, exchange, key string, p *amqp.Publishing) error {
	w := newWaiter(1)
	if err := c.confirms.publishOne(ctx, "", exchange, key, p, func(err error) { w.set(0, err) }, false); err != nil {
		return err
	}
	return w.wait(ctx)
}

// staleRetries bounds how often a publish takes a new channel because its
// channel closed before the message was written.
const staleRetries = 3

// publishOne writes one message on a channel of the pool (slot of key),
// taking a new channel when the one it got closed before the write. In
// confirm mode cb gets the outcome unless an error is returned.
func (p *pool) publishOne(ctx context.Context, key, exchange, rkey string, msg *amqp.Publishing, cb func(error), async bool) error {
	for attempt := 1; ; attempt++ {
		sl, pc, err := p.get(ctx, key)
		if err != nil {
			return err
		}
		err = pc.publish(exchange, rkey, p.confirm, msg, cb, async)
		p.put(sl)
		if err != errStale || attempt == staleRetries { //nolint:errorlint // sentinel identity
			return err
		}
	}
}

// publishAll writes msgs in order on one channel of the pool (slot of key).
// Every message's limits are checked first, so a bad one fails the batch
// before anything is sent. In confirm mode w gets every outcome; a returned
// error (or one set in w) covers the messages not sent.
func (p *pool) publishAll(ctx context.Context, key string, routes []route, ps []amqp.Publishing, w *waiter) error {
	sent := 0
	for attempt := 1; ; attempt++ {
		sl, pc, err := p.get(ctx, key)
		if err != nil {
			return err
		}
		if sent == 0 {
			for i := range ps {
				if err := pc.fits(routes[i].exchange, routes[i].key, &ps[i]); err != nil {
					p.put(sl)
					return err
				}
			}
		}
		for ; sent < len(ps); sent++ {
			var cb func(error)
			if w != nil {
				i := sent
				cb = func(err error) { w.set(i, err) }
			}
			if err = pc.publish(routes[sent].exchange, routes[sent].key, p.confirm, &ps[sent], cb, false); err != nil {
				break
			}
		}
		p.put(sl)
		if err == nil {
			return nil
		}
		if err == errStale && attempt < staleRetries { //nolint:errorlint // sentinel identity
			continue
		}
		if w == nil || sent == 0 {
			return err
		}
		for j := sent; j < len(ps); j++ {
			w.set(j, err)
		}
		return nil
	}
}

// waiter collects the outcomes of n pipelined publishes.
type waiter struct {
	mu   sync.Mutex
	errs []error
	left int
	done chan struct{}
}

func newWaiter(n int) *waiter {
	return &waiter{errs: make([]error, n), left: n, done: make(chan struct{})}
}

func (w *waiter) set(i int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.left == 0 {
		return
	}
	w.errs[i] = err
	w.left--
	if w.left == 0 {
		close(w.done)
	}
}

// wait returns the first error in message order, nil when all were confirmed.
func (w *waiter) wait(ctx context.Context) error {
	select {
	case <-w.done:
	case <-ctx.Done():
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "publish",
			Msg: "gave up waiting for the publisher confirm; the message may or may not be stored", Err: ctx.Err()}
	}
	for _, err := range w.errs {
		if err != nil {
			return err
		}
	}
	return nil
}
