package mqtest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq"
)

// testCloseWhileHandling: Close waits for running handlers within its ctx.
// A handler that finishes before the ctx ends is acked and never
// redelivered; handlers still running when it ends get their ctx canceled
// and their messages are redelivered to the group's next subscriber; nothing
// reaches the closed subscriber afterwards.
func testCloseWhileHandling(e *env) {
	c := e.client()
	topic := e.topic()
	g := e.group()
	release := make(chan struct{})
	var canceled atomic.Int32
	bound := 2 * e.h.Wait
	col := NewCollector()
	h := func(ctx context.Context, m *mq.Message) error {
		t := time.NewTimer(bound)
		defer t.Stop()
		if m.ID == "finishes" {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return errors.New("mqtest: never released")
			}
		}
		select {
		case <-ctx.Done():
			canceled.Add(1)
			return ctx.Err()
		case <-t.C:
			return errors.New("mqtest: handler ctx not canceled when Close gave up")
		}
	}
	s1 := e.subscribe(c, topic, col.Handler("s1", h), mq.Group(g), mq.Concurrency(4), fast(), mq.MaxAttempts(10))
	// One key, "finishes" first: on a partitioned log its ack is committable
	// even though the later two never finish.
	all := []string{"finishes", "stuck-1", "stuck-2"}
	for _, m := range msgs(all) {
		m.Key = "close-key"
		e.publish(c, topic, m)
	}
	col.WaitFor(e.t, e.h.Wait, "3 handlers running", func(ds []Delivery) bool { return len(ds) >= 3 })

	closeCtx, cancel := context.WithTimeout(e.ctx, time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s1.Close(closeCtx) }()
	close(release)
	var closeErr error
	select {
	case closeErr = <-errc:
	case <-time.After(e.h.Wait):
		e.t.Fatalf("Subscriber.Close did not return within %v with a 1s ctx", e.h.Wait)
	}
	closed := time.Now()
	e.t.Logf("Close with two handlers stuck returned %v", closeErr)
	col.WaitFor(e.t, e.h.Wait, "the stuck handlers to return", func(ds []Delivery) bool {
		n := 0
		for _, d := range ds {
			if !d.End.IsZero() {
				n++
			}
		}
		return n >= 3
	})
	if n := canceled.Load(); n != 2 {
		e.t.Errorf("%d stuck handlers saw their ctx canceled, want 2", n)
	}
	if f := col.Of("finishes"); len(f) != 1 || !f[0].Done() {
		e.t.Fatalf("the released handler did not finish: %+v", f)
	}

	col2 := NewCollector()
	e.subscribe(e.client(), topic, col2.Handler("s2", nil), mq.Group(g), fast())
	col2.WaitDone(e.t, e.h.Wait, "stuck-1", "stuck-2")
	col2.Never(e.t, e.h.Quiet, "the message whose handler finished before Close's ctx ended was redelivered",
		func(ds []Delivery) bool { return len(missing(ds, []string{"finishes"})) == 0 })
	col2.ExpectExactlyOnce(e.t, 0, "stuck-1", "stuck-2")
	for _, d := range col.Deliveries() {
		if d.Start.After(closed) {
			e.t.Errorf("%s was delivered to the closed subscriber", d.Msg.ID)
		}
	}
}

// testUseAfterClose: every call on a closed client, subscriber or consumer
// is ErrClosed, and closing twice is ErrClosed.
func testUseAfterClose(e *env) {
	c := e.client()
	topic := e.topic()
	h := NewCollector().Handler("s", nil)
	s, err := c.Subscribe(e.ctx, topic, h, mq.Group(e.group()))
	if err != nil {
		e.t.Fatalf("Subscribe: %v", err)
	}
	if err := s.Close(e.ctx); err != nil {
		e.t.Errorf("Subscriber Close: %v", err)
	}
	e.isErr(s.Close(e.ctx), mq.ErrClosed, "second Subscriber Close")

	pull := e.has(mq.CapPull)
	var k2 *mq.Consumer
	if pull {
		k, err := c.NewConsumer(e.ctx, topic, mq.Group(e.group()))
		if err != nil {
			e.t.Fatalf("NewConsumer: %v", err)
		}
		if err := k.Close(e.ctx); err != nil {
			e.t.Errorf("Consumer Close: %v", err)
		}
		e.isErr(k.Close(e.ctx), mq.ErrClosed, "second Consumer Close")
		_, err = k.Receive(e.ctx, 1, time.Millisecond)
		e.isErr(err, mq.ErrClosed, "Receive on a closed Consumer")
		if k2, err = c.NewConsumer(e.ctx, topic, mq.Group(e.group())); err != nil {
			e.t.Fatalf("NewConsumer: %v", err)
		}
	}
	s2, err := c.Subscribe(e.ctx, topic, h, mq.Group(e.group()))
	if err != nil {
		e.t.Fatalf("Subscribe: %v", err)
	}

	if err := c.Close(e.ctx); err != nil {
		e.t.Errorf("Client Close: %v", err)
	}
	e.isErr(c.Close(e.ctx), mq.ErrClosed, "second Client Close")
	e.isErr(s2.Close(e.ctx), mq.ErrClosed, "Subscriber Close after its client closed it")
	e.isErr(c.Publish(e.ctx, topic, msg("x")), mq.ErrClosed, "Publish after Close")
	e.isErr(c.PublishBatch(e.ctx, topic, msgs([]string{"x"})), mq.ErrClosed, "PublishBatch after Close")
	e.isErr(c.PublishAsync(e.ctx, topic, msg("x"), func(*mq.Message, error) {}), mq.ErrClosed, "PublishAsync after Close")
	e.isErr(c.PublishFuture(e.ctx, topic, msg("x")).Err(), mq.ErrClosed, "PublishFuture after Close")
	e.isErr(c.PublishOneWay(e.ctx, topic, msg("x")), mq.ErrClosed, "PublishOneWay after Close")
	e.isErr(c.PublishTx(e.ctx, topic, msgs([]string{"x"}), func(context.Context) error { return nil }), mq.ErrClosed, "PublishTx after Close")
	_, err = c.Subscribe(e.ctx, topic, h, mq.Group(e.group()))
	e.isErr(err, mq.ErrClosed, "Subscribe after Close")
	if pull {
		_, err = c.NewConsumer(e.ctx, topic, mq.Group(e.group()))
		e.isErr(err, mq.ErrClosed, "NewConsumer after Close")
		_, err = k2.Receive(e.ctx, 1, time.Millisecond)
		e.isErr(err, mq.ErrClosed, "Receive on a Consumer whose client closed")
		e.isErr(k2.Close(e.ctx), mq.ErrClosed, "Consumer Close after its client closed it")
	}
}

// testContextCancel: a canceled ctx fails Publish, PublishBatch and Subscribe
// with ErrCanceled (an expired one with ErrTimeout) and sends nothing;
// Receive returns when its ctx is canceled; the client keeps working.
func testContextCancel(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	canceled, cancel := context.WithCancel(e.ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(e.ctx, time.Now().Add(-time.Second))
	defer cancel2()
	e.isErr(c.Publish(canceled, topic, msg("canceled")), mq.ErrCanceled, "Publish with a canceled ctx")
	e.isErr(c.Publish(expired, topic, msg("expired")), mq.ErrTimeout, "Publish with an expired ctx")
	e.isErr(c.PublishBatch(canceled, topic, msgs([]string{"canceled-batch"})), mq.ErrCanceled, "PublishBatch with a canceled ctx")
	if e.has(mq.CapAsyncPublish) {
		e.isErr(c.PublishAsync(canceled, topic, msg("canceled-async"), func(*mq.Message, error) {}), mq.ErrCanceled, "PublishAsync with a canceled ctx")
	}
	_, err := c.Subscribe(canceled, topic, col.Handler("never", nil), mq.Group(e.group()))
	e.isErr(err, mq.ErrCanceled, "Subscribe with a canceled ctx")

	if e.has(mq.CapPull) {
		k := e.consumer(c, e.topic(), mq.Group(e.group()))
		_, err := k.Receive(canceled, 1, time.Second)
		e.isErr(err, mq.ErrCanceled, "Receive with a canceled ctx")
		rctx, rcancel := context.WithCancel(e.ctx)
		go func() {
			t := time.NewTimer(200 * time.Millisecond)
			defer t.Stop()
			<-t.C
			rcancel()
		}()
		t0 := time.Now()
		_, err = k.Receive(rctx, 1, 0)
		rcancel()
		e.isErr(err, mq.ErrCanceled, "Receive whose ctx was canceled while waiting")
		if el := time.Since(t0); el > e.h.Wait {
			e.t.Errorf("Receive returned %v after its ctx was canceled", el)
		}
	}

	e.publish(c, topic, msg("after"))
	col.WaitDone(e.t, e.h.Wait, "after")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "after")
}

// testReconnect: after the broker restarts, the client publishes and the
// subscriber consumes again, and every confirmed message arrives.
func testReconnect(e *env) {
	if e.h.Restart == nil {
		e.t.Skip("no Restart in harness")
	}
	e.mustDeclare(mq.CapReconnect)
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()), fast())
	before := ids("before", 5)
	e.publish(c, topic, msgs(before)...)
	col.WaitDone(e.t, e.h.Wait, before...)

	// Confirmed just before the restart, maybe not consumed yet.
	pending := ids("pending", 5)
	e.publish(c, topic, msgs(pending)...)
	if err := e.h.Restart(e.ctx, e.t); err != nil {
		e.t.Fatalf("Restart: %v", err)
	}
	after := ids("after", 5)
	deadline := time.Now().Add(2 * e.h.Wait)
	for _, m := range msgs(after) {
		for {
			ctx, cancel := context.WithTimeout(e.ctx, e.h.Wait)
			err := c.Publish(ctx, topic, m)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				e.t.Fatalf("Publish of %s still failing %v after the restart: %v", m.ID, 2*e.h.Wait, err)
			}
			e.t.Logf("Publish of %s after restart: %v (retrying)", m.ID, err)
			retry := time.NewTimer(200 * time.Millisecond)
			<-retry.C
		}
	}
	col.WaitDone(e.t, 2*e.h.Wait, append(append(before, pending...), after...)...)
	e.checkBodies(col)
}

// testBadInput: invalid arguments and options are errors matching
// ErrInvalidArgument / ErrInvalidOption, never a panic, and send nothing.
func testBadInput(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))
	h := NewCollector().Handler("bad", nil)
	arg, opt := mq.ErrInvalidArgument, mq.ErrInvalidOption
	check := func(what string, target error, f func() error) {
		e.t.Helper()
		e.noPanic(what, func() { e.isErr(f(), target, what) })
	}
	sub := func(topic string, h mq.Handler, opts ...mq.Option) func() error {
		return func() error {
			s, err := c.Subscribe(e.ctx, topic, h, opts...)
			if err == nil {
				_ = s.Close(e.ctx)
			}
			return err
		}
	}
	pub := func(topic string, m *mq.Message, opts ...mq.Option) func() error {
		return func() error { return c.Publish(e.ctx, topic, m, opts...) }
	}
	check("Publish to an empty topic", arg, pub("", msg("bad-1")))
	check("Publish to a topic with a space", arg, pub("a b", msg("bad-2")))
	check("Publish of a nil message", arg, pub(topic, nil))
	check("Publish with an empty header name", arg, pub(topic, msg("bad-3").SetHeader("", "v")))
	check("Publish with a negative Delay", arg, pub(topic, &mq.Message{ID: "bad-4", Delay: -time.Second}))
	check("Publish with a Subscribe option", opt, pub(topic, msg("bad-5"), mq.Group("g")))
	check("Publish with an Open option", opt, pub(topic, msg("bad-6"), mq.MaxMessageSize(10)))
	check("Publish with a zero Option", opt, pub(topic, msg("bad-7"), mq.Option{}))
	check("PublishBatch with a nil message", arg, func() error {
		return c.PublishBatch(e.ctx, topic, []*mq.Message{msg("bad-8"), nil})
	})
	check("PublishBatch to an empty topic", arg, func() error { return c.PublishBatch(e.ctx, "", msgs([]string{"bad-9"})) })
	if e.has(mq.CapAsyncPublish) {
		check("PublishAsync with a nil callback", arg, func() error { return c.PublishAsync(e.ctx, topic, msg("bad-10"), nil) })
		check("PublishAsync of a nil message", arg, func() error {
			return c.PublishAsync(e.ctx, topic, nil, func(*mq.Message, error) { e.t.Error("callback of a refused message") })
		})
	}
	if e.has(mq.CapTransactions) {
		check("PublishTx with a nil local transaction", arg, func() error { return c.PublishTx(e.ctx, topic, msgs([]string{"bad-11"}), nil) })
		check("PublishTx of no messages", arg, func() error {
			return c.PublishTx(e.ctx, topic, nil, func(context.Context) error { return nil })
		})
	}

	check("Subscribe with a nil handler", arg, sub(topic, nil))
	check("Subscribe to an empty topic", arg, sub("", h))
	check("Subscribe with Concurrency(-1)", opt, sub(topic, h, mq.Concurrency(-1)))
	check("Subscribe with Concurrency(0)", opt, sub(topic, h, mq.Concurrency(0)))
	check("Subscribe with MaxAttempts(0)", opt, sub(topic, h, mq.MaxAttempts(0)))
	check(`Subscribe with Group("")`, opt, sub(topic, h, mq.Group("")))
	check(`Subscribe with Group("a b")`, opt, sub(topic, h, mq.Group("a b")))
	check("Subscribe with HandlerTimeout(0)", opt, sub(topic, h, mq.HandlerTimeout(0)))
	check("Subscribe with WithBackoff(nil)", opt, sub(topic, h, mq.WithBackoff(nil)))
	check(`Subscribe with DeadLetterTopic("")`, opt, sub(topic, h, mq.DeadLetterTopic("")))
	check("Subscribe with a Consumer-only option", opt, sub(topic, h, mq.AckTimeout(time.Second)))
	check("Subscribe with an Open option", opt, sub(topic, h, mq.WithTxChecker(func(context.Context, *mq.Message) mq.TxState { return mq.TxUnknown })))
	check("Subscribe with a zero Option", opt, sub(topic, h, mq.Option{}))
	for _, expr := range []string{"a ||", "|| a", "a b", "a || b c", "a*"} {
		check(fmt.Sprintf("Subscribe with TagFilter(%q)", expr), opt, sub(topic, h, mq.TagFilter(expr)))
		check(fmt.Sprintf("ParseTagFilter(%q)", expr), arg, func() error { _, err := mq.ParseTagFilter(expr); return err })
	}
	for _, p := range [][]string{{}, {""}, {"a..b"}, {"a.b*"}, {"#a"}, {"a. b"}, {"ok.*", ""}} {
		check(fmt.Sprintf("Subscribe with TagPattern(%q)", p), opt, sub(topic, h, mq.TagPattern(p...)))
	}
	if e.has(mq.CapPull) {
		k := e.consumer(c, topic, mq.Group(e.group()))
		check("Receive of max 0", arg, func() error { _, err := k.Receive(e.ctx, 0, time.Millisecond); return err })
		check("NewConsumer with a Subscribe-only option", opt, func() error {
			k, err := c.NewConsumer(e.ctx, topic, mq.HandlerTimeout(time.Second))
			if err == nil {
				_ = k.Close(e.ctx)
			}
			return err
		})
		check("NewConsumer to an empty topic", arg, func() error {
			k, err := c.NewConsumer(e.ctx, "")
			if err == nil {
				_ = k.Close(e.ctx)
			}
			return err
		})
	}

	// The client still works and nothing refused was delivered.
	e.publish(c, topic, msg("good"))
	col.WaitDone(e.t, e.h.Wait, "good")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "good")
}

// testCapabilities: the capability set is consistent and Require agrees
// with it.
func testCapabilities(e *env) {
	c := e.client()
	caps := c.Capabilities()
	e.t.Logf("backend %q: %s; MaxMessageSize %d, MaxDelay %v, MaxBatch %d",
		caps.Backend, caps.Features, caps.MaxMessageSize, caps.MaxDelay, caps.MaxBatch)
	if caps.Backend == "" {
		e.t.Error("Capabilities().Backend is empty")
	}
	if !caps.Has(mq.CapSyncPublish) {
		e.t.Errorf("backend does not declare %s; Publish cannot work", mq.CapSyncPublish)
	}
	if caps.Has(mq.CapTxCheckBack) && !caps.Has(mq.CapTransactions) {
		e.t.Errorf("%s declared without %s", mq.CapTxCheckBack, mq.CapTransactions)
	}
	if caps.MaxMessageSize < 0 || caps.MaxDelay < 0 || caps.MaxBatch < 0 {
		e.t.Errorf("negative limits: %+v", caps)
	}
	if err := c.Require(caps.Features); err != nil {
		e.t.Errorf("Require(declared features): %v", err)
	}
	var all mq.Capability
	for b := mq.CapSyncPublish; b <= mq.CapRedeliveryDelay; b <<= 1 {
		all |= b
	}
	if missing := all &^ caps.Features; missing != 0 {
		e.isErr(c.Require(missing), mq.ErrUnsupported, fmt.Sprintf("Require(%s) of undeclared features", missing))
		e.t.Logf("not declared: %s", missing)
	}
	if other := e.client().Capabilities(); other != caps {
		e.t.Errorf("two clients of one harness report different capabilities: %+v and %+v", caps, other)
	}
}
