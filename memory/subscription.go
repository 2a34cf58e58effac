package memory

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// subscription is one member of a group (or the only member of a private
// broadcast group). Its fields are guarded by the topic's mutex.
type subscription struct {
	c         *conn
	t         *topic
	g         *group
	cfg       driver.SubscriptionConfig
	filter    driver.Filter
	groupName string // for dead-letter headers and the default DLQ name

	wakeCh   chan struct{} // closed to wake blocked Receive calls
	closed   bool
	dropped  bool
	inflight delivery    // sentinel of the list of unsettled deliveries
	extra    []*delivery // duplicates (DuplicateNext) not yet handed out
}

// delivery is one hand-out of a stored message; its msg is what Receive
// returns and its AckID points back to it.
type delivery struct {
	msg        driver.Message
	sub        *subscription
	src        *driver.Message // the stored message
	attempt    int
	state      uint8
	dup        bool
	prev, next *delivery
}

const (
	inFlight uint8 = iota
	settled
	returned
)

func (s *subscription) link(d *delivery) {
	h := &s.inflight
	d.prev, d.next = h.prev, h
	h.prev.next = d
	h.prev = d
}

func (d *delivery) unlink() {
	if d.prev != nil {
		d.prev.next = d.next
		d.next.prev = d.prev
		d.prev, d.next = nil, nil
	}
}

// deliver hands m out as attempt number attempt. Caller holds t.mu.
func (s *subscription) deliver(out []*driver.Message, m *driver.Message, attempt, max int) []*driver.Message {
	d := &delivery{msg: *m, sub: s, src: m, attempt: attempt}
	d.msg.Attempt = attempt
	d.msg.AckID = d
	if len(m.Headers) > 0 {
		// Each delivery owns its headers, as if decoded from the wire: a
		// handler may modify them.
		d.msg.Headers = cloneHeaders(m.Headers)
	}
	copyBodies := s.t.b.cfg.CopyBodies
	if copyBodies && m.Body != nil {
		d.msg.Body = append([]byte(nil), m.Body...)
	}
	s.link(d)
	out = appendOut(out, &d.msg, max)
	if s.t.b.takeDup() {
		x := &delivery{msg: d.msg, sub: s, src: m, attempt: attempt, dup: true}
		x.msg.AckID = x
		if len(m.Headers) > 0 {
			x.msg.Headers = cloneHeaders(m.Headers)
		}
		if copyBodies && m.Body != nil {
			x.msg.Body = append([]byte(nil), m.Body...)
		}
		if len(out) < max {
			out = append(out, &x.msg)
		} else {
			s.extra = append(s.extra, x)
		}
	}
	return out
}

// signalLocked wakes the Receive calls blocked on s. Caller holds t.mu.
func (s *subscription) signalLocked() {
	if s.wakeCh != nil {
		close(s.wakeCh)
		s.wakeCh = nil
	}
}

// Receive blocks until at least one message is ready for the group (or ctx
// is done, the subscription closes, or the connection is dropped by
// Broker.DropConnections), then returns up to max without waiting for more.
func (s *subscription) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	const op = "receive"
	if max < 1 {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "max %d must be at least 1", max)
	}
	t := s.t
	for {
		t.mu.Lock()
		switch {
		case s.closed:
			t.mu.Unlock()
			return nil, driver.Errorf(driver.CodeClosed, op, "subscription closed")
		case t.closed:
			t.mu.Unlock()
			return nil, driver.Errorf(driver.CodeClosed, op, "broker discarded")
		case s.dropped:
			s.dropped = false
			t.mu.Unlock()
			return nil, driver.Errorf(driver.CodeUnavailable, op, "connection to memory broker %q dropped (Broker.DropConnections)", t.b.name)
		case t.b.down.Load():
			t.mu.Unlock()
			return nil, t.b.unavailable(op)
		}
		if err := ctx.Err(); err != nil {
			t.mu.Unlock()
			return nil, &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
		}
		if out := s.g.take(s, max, nil); len(out) > 0 {
			t.mu.Unlock()
			if out = s.sift(out); len(out) > 0 {
				return out, nil
			}
			continue // all filtered out: look again
		}
		if s.wakeCh == nil {
			s.wakeCh = make(chan struct{})
			s.g.waiters = append(s.g.waiters, s)
		}
		ch := s.wakeCh
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Err: ctx.Err()}
		}
	}
}

// sift applies the subscription's filter to deliveries taken for it,
// outside the topic's lock, and settles for the group those it rejects
// (unless they went back to the group meanwhile, when the subscription
// closed or its connection was dropped: another member sifts them then).
func (s *subscription) sift(out []*driver.Message) []*driver.Message {
	f := s.filter
	if f == nil {
		return out
	}
	var rejected []*delivery
	kept := out[:0]
	for _, m := range out {
		if f.Match(m.Tag) {
			kept = append(kept, m)
		} else {
			rejected = append(rejected, m.AckID.(*delivery))
		}
	}
	if len(rejected) > 0 {
		s.t.mu.Lock()
		for _, d := range rejected {
			if d.state == inFlight {
				s.finish(d)
			}
		}
		s.t.mu.Unlock()
	}
	return kept
}

// lookup returns the delivery behind m, checking it is still in flight on s.
// Caller holds t.mu.
func (s *subscription) lookup(op string, m *driver.Message) (*delivery, error) {
	d, ok := m.AckID.(*delivery)
	if !ok || d == nil || d.sub != s {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "message was not delivered by this subscription")
	}
	switch d.state {
	case settled:
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "message %s already settled", d.msg.BrokerID)
	case returned:
		return nil, driver.Errorf(driver.CodeUnavailable, op, "message %s was returned to the broker (connection dropped or subscription closed) and will be redelivered", d.msg.BrokerID)
	}
	return d, nil
}

func (s *subscription) checkOpen(op string) error {
	if s.closed {
		return driver.Errorf(driver.CodeClosed, op, "subscription closed")
	}
	return nil
}

// Ack settles msgs. Every message is tried; the first error is returned.
func (s *subscription) Ack(ctx context.Context, msgs []*driver.Message) error {
	const op = "ack"
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if err := s.checkOpen(op); err != nil {
		return err
	}
	var first error
	for _, m := range msgs {
		d, err := s.lookup(op, m)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		s.finish(d)
	}
	return first
}

// finish settles d for good. Caller holds t.mu.
func (s *subscription) finish(d *delivery) {
	d.unlink()
	d.state = settled
	if !d.dup {
		s.g.finish(d.src)
	}
}

// Nack redelivers m to any member of the group, not before delay, as
// attempt m.Attempt+1. In an ordered group the key stays blocked until then.
func (s *subscription) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	const op = "nack"
	attempts := m.Attempt
	t := s.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := s.checkOpen(op); err != nil {
		return err
	}
	d, err := s.lookup(op, m)
	if err != nil {
		return err
	}
	d.unlink()
	d.state = settled
	if d.dup {
		return nil
	}
	g, src := s.g, d.src
	if delay <= 0 {
		g.pushReady(src, attempts)
		g.wake()
		return nil
	}
	t.b.sched.add(time.Now().Add(delay), func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if g.deleted || t.closed {
			return
		}
		g.pushReady(src, attempts)
		g.wake()
	})
	return nil
}

// DeadLetter publishes a copy of m with the dead-letter headers to the
// subscription's dead-letter topic (cfg.DeadLetter, default
// "<topic>.<group>.dlq"), then settles m.
func (s *subscription) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	const op = "dead letter"
	t := s.t
	t.mu.Lock()
	err := s.checkOpen(op)
	if err == nil {
		_, err = s.lookup(op, m)
	}
	t.mu.Unlock()
	if err != nil {
		return err
	}
	dl := &driver.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Body: m.Body, Partition: -1,
		Headers: kit.DeadLetterHeaders(m, s.cfg.Topic, s.groupName, reason)}
	dt := t.b.topic(s.dlqTopic())
	if dt == nil {
		return driver.Errorf(driver.CodeClosed, op, "broker discarded")
	}
	if err := dt.send(ctx, s.c.done, []*driver.Message{dl}); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := s.checkOpen(op); err != nil {
		return err
	}
	d, err := s.lookup(op, m)
	if err != nil {
		return err
	}
	s.finish(d)
	return nil
}

func (s *subscription) dlqTopic() string {
	if s.cfg.DeadLetter != "" {
		return s.cfg.DeadLetter
	}
	if s.t.b.cfg.Like == LikeRocketMQ {
		return "%DLQ%" + s.groupName // RocketMQ's: one per group, whatever the topic
	}
	return DeadLetterTopic(s.cfg.Topic, s.groupName)
}

// DeadLetterTopic returns the default dead-letter topic of topic and group:
// "<topic>.<group>.dlq" (broadcast subscribers use group "broadcast"). A
// broker created with like=rocketmq uses RocketMQ's "%DLQ%<group>" instead.
func DeadLetterTopic(topic, group string) string {
	return topic + "." + group + ".dlq"
}

// returnInflight gives every unsettled delivery of s back to the group for
// redelivery with attempt+1. Caller holds t.mu.
func (s *subscription) returnInflight() {
	h := &s.inflight
	for d := h.next; d != h; {
		next := d.next
		d.prev, d.next = nil, nil
		d.state = returned
		s.g.pushReady(d.src, d.attempt)
		d = next
	}
	h.next, h.prev = h, h
	for _, x := range s.extra {
		x.state = returned
	}
	s.extra = nil
}

// Close stops delivery; unsettled messages go back to the group (a private
// broadcast group is deleted). A second Close returns a CodeClosed error.
func (s *subscription) Close(ctx context.Context) error {
	t := s.t
	t.mu.Lock()
	if s.closed {
		t.mu.Unlock()
		return driver.Errorf(driver.CodeClosed, "close", "subscription already closed")
	}
	s.closed = true
	s.returnInflight()
	g := s.g
	g.removeMember(s)
	s.signalLocked()
	if g.broadcast {
		t.deleteGroup(g)
	} else if g.hasReady() {
		g.wake()
	}
	t.mu.Unlock()
	s.c.forget(s)
	return nil
}

// As sets *target to the subscription's *Broker.
func (s *subscription) As(target any) bool {
	if p, ok := target.(**Broker); ok {
		*p = s.t.b
		return true
	}
	return false
}
