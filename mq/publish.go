package mq

import (
	"context"
	"sync"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

func (c *Client) prepare(ctx context.Context, op, topic string, opts []Option, need driver.Capability) (driver.SendOptions, error) {
	var so driver.SendOptions
	if err := c.checkOpen(op); err != nil {
		return so, err
	}
	if err := c.validTopic(op, topic); err != nil {
		return so, err
	}
	if err := ctx.Err(); err != nil {
		return so, ctxErr(op, err)
	}
	if !c.caps.Has(need) {
		return so, driver.Errorf(driver.CodeUnsupported, op, "lacks %s", c.caps.Missing(need))
	}
	if len(opts) > 0 {
		s := settings{}
		if err := s.applyAll(op, forPublish, opts); err != nil {
			return so, err
		}
		so.Options = s.driverOpts
	}
	return so, nil
}

// Publish sends m to topic and returns once the broker confirmed it
// (RocketMQ SendSync, Kafka acks=all, RabbitMQ publisher confirm). It blocks
// until then or until ctx is done. On success m.BrokerID (and Partition and
// Offset where the backend reports them) are set.
func (c *Client) Publish(ctx context.Context, topic string, m *Message, opts ...Option) error {
	const op = "publish"
	so, err := c.prepare(ctx, op, topic, opts, driver.CapSyncPublish)
	if err != nil {
		return c.wrap(op, err)
	}
	now := time.Now()
	if err := c.validate(op, m, now); err != nil {
		return c.wrap(op, err)
	}
	one := new(single)
	if len(c.set.interceptors) > 0 {
		one.src[0] = m
		if ctx, err = c.intercept(ctx, "publish", topic, ModeSync, one.src[:], now); err != nil {
			return err
		}
	}
	one.set(m, now)
	err = c.conn.Send(ctx, topic, one.batch[:], so)
	if err != nil {
		err = c.wrap(op, driver.Wrap(driver.CodeUnavailable, op, err))
	} else {
		m.confirmed(&one.m)
	}
	c.published(ctx, topic, m, 1, err, now)
	return err
}

// PublishBatch sends msgs to topic in one round trip where the backend can
// (CapBatch; otherwise one confirmed send each, in order) and returns once
// all were confirmed. Every message is validated before any is sent.
func (c *Client) PublishBatch(ctx context.Context, topic string, msgs []*Message, opts ...Option) error {
	const op = "publish batch"
	so, err := c.prepare(ctx, op, topic, opts, driver.CapSyncPublish)
	if err != nil {
		return c.wrap(op, err)
	}
	if len(msgs) == 0 {
		return nil
	}
	now := time.Now()
	for _, m := range msgs {
		if err := c.validate(op, m, now); err != nil {
			return c.wrap(op, err)
		}
	}
	if len(c.set.interceptors) > 0 {
		if ctx, err = c.intercept(ctx, op, topic, ModeBatch, msgs, now); err != nil {
			return err
		}
	}
	dms := make([]*driver.Message, len(msgs))
	for i, m := range msgs {
		dms[i] = m.toDriver(now)
	}
	if c.caps.Has(driver.CapBatch) && (c.caps.MaxBatch == 0 || len(dms) <= c.caps.MaxBatch) {
		err = c.conn.Send(ctx, topic, dms, so)
	} else {
		for i := range dms {
			if err = c.conn.Send(ctx, topic, dms[i:i+1], so); err != nil {
				break
			}
		}
	}
	if err != nil {
		err = c.wrap(op, driver.Wrap(driver.CodeUnavailable, op, err))
	} else {
		for i, m := range msgs {
			m.confirmed(dms[i])
		}
	}
	c.published(ctx, topic, msgs[0], len(msgs), err, now)
	return err
}

// PublishAsync queues m for topic and returns without waiting for the
// broker; done is called exactly once with the outcome, from another
// goroutine (keep it short). Close waits for outstanding callbacks. An
// error returned here means m was not queued and done will not be called.
func (c *Client) PublishAsync(ctx context.Context, topic string, m *Message, done func(m *Message, err error), opts ...Option) error {
	so, err := c.prepare(ctx, opAsync, topic, opts, driver.CapAsyncPublish)
	if err != nil {
		return c.wrap(opAsync, err)
	}
	if done == nil {
		return c.wrap(opAsync, invalid(opAsync, "nil callback"))
	}
	now := time.Now()
	if err := c.validate(opAsync, m, now); err != nil {
		return c.wrap(opAsync, err)
	}
	a := asyncSends.Get().(*asyncSend)
	if a.finishFn == nil {
		a.finishFn = a.finish
	}
	if len(c.set.interceptors) > 0 {
		a.src[0] = m
		ctx, err = c.intercept(ctx, "publish async", topic, ModeAsync, a.src[:], now)
		if err != nil {
			a.release()
			return err
		}
	}
	a.c, a.ctx, a.topic, a.m, a.done, a.start = c, ctx, topic, m, done, now
	m.fill(&a.dm, now)
	c.pending.Add(1)
	err = c.conn.SendAsync(ctx, topic, &a.dm, so, a.finishFn)
	if err != nil {
		a.release()
		c.pending.Done()
		err = c.wrap(opAsync, driver.Wrap(driver.CodeUnavailable, opAsync, err))
		c.published(ctx, topic, m, 1, err, now)
		return err
	}
	return nil
}

const opAsync = "publish async"

// asyncSend is one PublishAsync in flight: the driver message and what its
// confirmation needs. They are reused (asyncSends): the driver gives the
// message back when it calls finish (driver.Conn.SendAsync), so a busy
// publisher allocates neither per message.
type asyncSend struct {
	dm       driver.Message
	c        *Client
	ctx      context.Context
	topic    string
	m        *Message
	done     func(m *Message, err error)
	start    time.Time
	finishFn func(error) // a.finish, bound once
	src      [1]*Message // m, for the interceptors
}

var asyncSends = sync.Pool{New: func() any { return new(asyncSend) }}

// finish is the driver's confirmation of a.
func (a *asyncSend) finish(err error) {
	c, m, done := a.c, a.m, a.done
	if err == nil {
		m.confirmed(&a.dm)
	} else {
		err = c.wrap(opAsync, driver.Wrap(driver.CodeUnavailable, opAsync, err))
	}
	c.published(a.ctx, a.topic, m, 1, err, a.start)
	a.release()
	done(m, err)
	c.pending.Done()
}

// release empties a (nothing it pointed to stays reachable) for reuse.
func (a *asyncSend) release() {
	fn := a.finishFn
	*a = asyncSend{finishFn: fn}
	asyncSends.Put(a)
}

// Future is the pending outcome of PublishFuture.
type Future struct {
	c    *Client
	done chan struct{}
	err  error
}

// Done is closed once the outcome is known.
func (f *Future) Done() <-chan struct{} { return f.done }

// Err returns the outcome; valid after Done is closed.
func (f *Future) Err() error { return f.err }

// Wait blocks until the outcome is known or ctx is done.
func (f *Future) Wait(ctx context.Context) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return f.c.wrap("publish future", ctxErr("publish future", ctx.Err()))
	}
}

// PublishFuture is PublishAsync returning a Future instead of taking a
// callback. A message that could not be queued gives a Future that is
// already done with the error.
func (c *Client) PublishFuture(ctx context.Context, topic string, m *Message, opts ...Option) *Future {
	f := &Future{c: c, done: make(chan struct{})}
	err := c.PublishAsync(ctx, topic, m, func(_ *Message, err error) {
		f.err = err
		close(f.done)
	}, opts...)
	if err != nil {
		f.err = err
		close(f.done)
	}
	return f
}

// PublishOneWay writes m to topic without waiting for any confirmation
// (RocketMQ SendOneWay, Kafka acks=0, RabbitMQ without confirms). It is
// lossy by design: a nil error only means the message left this process.
func (c *Client) PublishOneWay(ctx context.Context, topic string, m *Message, opts ...Option) error {
	const op = "publish one-way"
	so, err := c.prepare(ctx, op, topic, opts, driver.CapOneWay)
	if err != nil {
		return c.wrap(op, err)
	}
	now := time.Now()
	if err := c.validate(op, m, now); err != nil {
		return c.wrap(op, err)
	}
	so.Mode = driver.OneWay
	one := new(single)
	if len(c.set.interceptors) > 0 {
		one.src[0] = m
		if ctx, err = c.intercept(ctx, "publish one-way", topic, ModeOneWay, one.src[:], now); err != nil {
			return err
		}
	}
	one.set(m, now)
	err = c.conn.Send(ctx, topic, one.batch[:], so)
	if err != nil {
		err = c.wrap(op, driver.Wrap(driver.CodeUnavailable, op, err))
	}
	c.published(ctx, topic, m, 1, err, now)
	return err
}
