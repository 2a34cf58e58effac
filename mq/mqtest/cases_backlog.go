package mqtest

import (
	"context"
	"errors"
	"time"

	"github.com/unimq/unimq/mq"
)

// testBacklog: a group's backlog (Client.Backlog) counts what was published
// for it while none of its subscribers ran, exactly, and drains to 0 once a
// subscriber of the group handled it; a group that holds nothing has 0, an
// unknown topic is ErrNotFound, a closed subscriber's is ErrClosed.
func testBacklog(e *env) {
	c := e.client()
	topic := e.topic()
	g := e.group()
	if err := c.Declare(e.ctx, topic, g); err != nil {
		if !errors.Is(err, mq.ErrUnsupported) {
			e.t.Fatalf("Declare: %v", err)
		}
		// No Declare: a subscriber of the group that ran once holds its position.
		s := e.subscribe(c, topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(g))
		if err := s.Close(e.ctx); err != nil {
			e.t.Fatalf("subscriber Close: %v", err)
		}
	}
	n, err := c.Backlog(e.ctx, topic, g)
	if errors.Is(err, mq.ErrUnsupported) {
		// No driver.Backlogger: the subscriber's answer must say so too.
		s := e.subscribe(c, topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(g))
		_, err = s.Backlog(e.ctx)
		e.isErr(err, mq.ErrUnsupported, "Subscriber.Backlog of a backend that cannot tell")
		e.t.Logf("the backend cannot tell a group's backlog: %v", err)
		return
	}
	if err != nil || n != 0 {
		e.t.Fatalf("Backlog of a group with nothing published: %d, %v; want 0, nil", n, err)
	}

	want := ids("backlog", 10)
	e.publish(c, topic, msgs(want)...)
	e.waitBacklog("after 10 publishes", func() (int64, error) { return c.Backlog(e.ctx, topic, g) }, 10)
	if n, err := c.Backlog(e.ctx, topic, e.group()); err != nil || n != 0 {
		e.t.Errorf("Backlog of a group that never subscribed: %d, %v; want 0, nil", n, err)
	}

	col := NewCollector()
	s := e.subscribe(e.client(), topic, col.Handler("s", nil), mq.Group(g))
	col.WaitDone(e.t, e.h.Wait, want...)
	e.waitBacklog("once handled", func() (int64, error) { return c.Backlog(e.ctx, topic, g) }, 0)
	e.waitBacklog("once handled (Subscriber.Backlog)", func() (int64, error) { return s.Backlog(e.ctx) }, 0)
	if err := s.Close(e.ctx); err != nil {
		e.t.Fatalf("subscriber Close: %v", err)
	}
	_, err = s.Backlog(e.ctx)
	e.isErr(err, mq.ErrClosed, "Subscriber.Backlog after Close")

	_, err = c.Backlog(e.ctx, UniqueName("unimq-test-nosuch"), g)
	e.isErr(err, mq.ErrNotFound, "Backlog of a topic that does not exist")
	if e.has(mq.CapBroadcast) {
		b := e.subscribe(c, topic, func(context.Context, *mq.Message) error { return nil }, mq.Broadcast())
		_, err = b.Backlog(e.ctx)
		e.isErr(err, mq.ErrUnsupported, "Subscriber.Backlog of a broadcast subscriber")
	}
}

// waitBacklog waits until backlog reports want, failing the test when it
// reports more or the wait ends first.
func (e *env) waitBacklog(what string, backlog func() (int64, error), want int64) {
	e.t.Helper()
	deadline := time.Now().Add(e.h.Wait)
	var n int64
	var err error
	for {
		n, err = backlog()
		switch {
		case err == nil && n == want:
			return
		case err == nil && n > want && want > 0:
			e.t.Fatalf("Backlog %s: %d, more than the %d published", what, n, want)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("Backlog %s: %d, %v after %v; want %d", what, n, err, e.h.Wait, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
