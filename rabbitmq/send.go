package rabbitmq

import (
	"context"
	"strconv"
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
func (c *Conn) routeFor(ctx context.Context, topic string, mode Mode, m *driver.Message, now time.Time) (route, error) {
	r := route{key: m.Tag, tagHeader: mode.queueMode()}
	if !m.DeliverAt.IsZero() {
		if d := m.DeliverAt.Sub(now); d > 0 {
			ms := bucket(d)
			dx, err := c.delayTarget(ctx, topic, mode, ms)
			if err != nil {
				return r, err
			}
			r.exchange = dx
			r.extra = map[string]string{headerDelay: strconv.FormatInt(ms, 10)}
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
func (c *Conn) Send(ctx context.Context, topic string, msgs []*driver.Message, opts driver.SendOptions) error {
	if err := c.checkOpen("publish"); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
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
	if opts.Mode == driver.OneWay {
		sl, pc, err := c.oneway.get(ctx, msgs[0].Key)
		if err != nil {
			return err
		}
		defer c.oneway.put(sl)
		for i, m := range msgs {
			p := publishing(m, pers, routes[i].tagHeader, routes[i].extra, now)
			if err := pc.publish(routes[i].exchange, routes[i].key, false, &p, nil, false); err != nil {
				return err
			}
		}
		return nil
	}
	w := newWaiter(len(msgs))
	sl, pc, err := c.confirms.get(ctx, msgs[0].Key)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		p := publishing(m, pers, routes[i].tagHeader, routes[i].extra, now)
		i := i
		if err := pc.publish(routes[i].exchange, routes[i].key, true, &p, func(err error) { w.set(i, err) }, false); err != nil {
			for j := i; j < len(msgs); j++ {
				w.set(j, err)
			}
			break
		}
	}
	c.confirms.put(sl)
	err = w.wait(ctx)
	if driver.CodeOf(err) == driver.CodeNotFound {
		c.adm.forget()
	}
	return err
}

// SendAsync publishes m and calls done from the channel's confirm loop when
// the broker confirmed it (or it failed). Close waits for outstanding ones.
func (c *Conn) SendAsync(ctx context.Context, topic string, m *driver.Message, opts driver.SendOptions, done func(error)) error {
	if err := c.checkOpen("publish async"); err != nil {
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
	sl, pc, err := c.confirms.get(ctx, m.Key)
	if err != nil {
		return err
	}
	c.asyncStart()
	err = pc.publish(r.exchange, r.key, true, &p, func(err error) {
		if driver.CodeOf(err) == driver.CodeNotFound {
			c.adm.forget()
		}
		done(err)
		c.asyncDone()
	}, true)
	c.confirms.put(sl)
	if err != nil {
		c.asyncDone()
		return err
	}
	return nil
}

// publishConfirmed sends one prepared message to exchange/key and waits for
// its confirm: the path of retries and dead letters.
func (c *Conn) publishConfirmed(ctx context.Context, exchange, key string, p *amqp.Publishing) error {
	sl, pc, err := c.confirms.get(ctx, "")
	if err != nil {
		return err
	}
	w := newWaiter(1)
	err = pc.publish(exchange, key, true, p, func(err error) { w.set(0, err) }, false)
	c.confirms.put(sl)
	if err != nil {
		return err
	}
	return w.wait(ctx)
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
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "publish", Backend: backendName,
			Msg: "gave up waiting for the publisher confirm; the message may or may not be stored", Err: ctx.Err()}
	}
	for _, err := range w.errs {
		if err != nil {
			return err
		}
	}
	return nil
}
