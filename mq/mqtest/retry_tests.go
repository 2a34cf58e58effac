package mqtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// seq renders deliveries as "id#attempt" for comparisons.
func seq(ds []Delivery, keep func(Delivery) bool) []string {
	var out []string
	for _, d := range ds {
		if keep(d) {
			out = append(out, d.Msg.ID+"#"+strconv.Itoa(d.Msg.Attempt))
		}
	}
	return out
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testOrderedPerKey: messages of one key reach an Ordered subscriber in
// publish order, one at a time; key A's first message fails twice and is
// retried in place, A's later messages wait for it; key B is not blocked
// meanwhile (unless the backend put A and B in the same partition/queue,
// which it may block as a whole).
func testOrderedPerKey(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapOrdered) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.Ordered())
		e.isErr(err, mq.ErrUnsupported, "Subscribe with Ordered without CapOrdered")
		return
	}
	keyA, keyB := UniqueName("A"), UniqueName("B")
	aIDs, bIDs := ids("A", 5), ids("B", 5)
	col := NewCollector()
	bDone := func(ds []Delivery) bool { return len(missing(ds, bIDs)) == 0 }
	gate := e.h.Wait / 3
	var blocked atomic.Bool
	h := func(ctx context.Context, m *mq.Message) error {
		if m.ID != aIDs[0] {
			return nil
		}
		switch m.Attempt {
		case 1:
			return fmt.Errorf("first attempt: %w", errBoom)
		case 2:
			// Hold key A failing until key B got through.
			if !col.Until(gate, bDone) {
				blocked.Store(true)
			}
			return fmt.Errorf("second attempt: %w", errBoom)
		}
		return nil
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Ordered(), mq.Group(e.group()), fast(), mq.MaxAttempts(10))
	for i := range aIDs {
		a, b := msg(aIDs[i]), msg(bIDs[i])
		a.Key, b.Key = keyA, keyB
		e.publish(c, topic, a, b)
	}
	all := append(append([]string(nil), aIDs...), bIDs...)
	col.WaitDone(e.t, e.h.Wait+gate, all...)
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 12 })
	e.checkBodies(col)

	ds := col.Deliveries()
	gotA := seq(ds, func(d Delivery) bool { return d.Msg.Key == keyA })
	wantA := []string{"A-0#1", "A-0#2", "A-0#3", "A-1#1", "A-2#1", "A-3#1", "A-4#1"}
	if !eqStrings(gotA, wantA) {
		e.t.Errorf("key A delivered as %v, want %v", gotA, wantA)
	}
	gotB := seq(ds, func(d Delivery) bool { return d.Msg.Key == keyB })
	wantB := []string{"B-0#1", "B-1#1", "B-2#1", "B-3#1", "B-4#1"}
	if !eqStrings(gotB, wantB) {
		e.t.Errorf("key B delivered as %v, want %v", gotB, wantB)
	}
	for _, key := range []string{keyA, keyB} {
		var prev *Delivery
		for i := range ds {
			d := ds[i]
			if d.Msg.Key != key {
				continue
			}
			if prev != nil && d.Start.Before(prev.End) {
				e.t.Errorf("key %s: %s#%d started before %s#%d finished", key, d.Msg.ID, d.Msg.Attempt, prev.Msg.ID, prev.Msg.Attempt)
			}
			prev = &ds[i]
		}
	}
	if blocked.Load() {
		pa, pb := col.Of(aIDs[0])[0].Msg.Partition, col.Of(bIDs[0])[0].Msg.Partition
		if pa >= 0 && pa == pb {
			e.t.Logf("keys A and B share partition/queue %d, which a failing message may block as a whole", pa)
		} else {
			e.t.Errorf("key B was blocked for %v while key A's message failed (partitions %d and %d)", gate, pa, pb)
		}
	}
}

// testNackRedelivery: a failing handler gets the message again, with
// Attempt 1, 2, 3, until it succeeds; with CapRedeliveryDelay the backoff
// is honoured between attempts.
func testNackRedelivery(e *env) {
	c := e.client()
	topic := e.topic()
	delay := 50 * time.Millisecond
	if e.has(mq.CapRedeliveryDelay) {
		delay = 300 * time.Millisecond
	}
	col := NewCollector()
	h := func(ctx context.Context, m *mq.Message) error {
		if m.ID == "nack" {
			return failUntil(3)(ctx, m)
		}
		return nil
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Group(e.group()),
		mq.WithBackoff(mq.ConstantBackoff(delay)), mq.MaxAttempts(5))
	e.publish(c, topic, msg("nack"), msg("ok"))
	col.WaitDone(e.t, e.h.Wait, "nack", "ok")
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 4 })
	e.checkBodies(col)
	if got := col.Attempts("nack"); !eqInts(got, []int{1, 2, 3}) {
		e.t.Errorf("attempts of the failing message: %v, want [1 2 3]", got)
	}
	if got := col.Attempts("ok"); !eqInts(got, []int{1}) {
		e.t.Errorf("attempts of the other message: %v, want [1]", got)
	}
	if e.has(mq.CapRedeliveryDelay) {
		ds := col.Of("nack")
		for i := 1; i < len(ds); i++ {
			if gap := ds[i].Start.Sub(ds[i-1].End); gap < delay-10*time.Millisecond {
				e.t.Errorf("attempt %d came %v after attempt %d failed; backoff is %v (CapRedeliveryDelay)", ds[i].Msg.Attempt, gap, ds[i-1].Msg.Attempt, delay)
			}
		}
	}
}

func eqInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testDeadLetter: after MaxAttempts failures (or at once for NoRetry) the
// message goes to the dead-letter topic with the reason, topic, group and
// attempts in its headers.
func testDeadLetter(e *env) {
	e.mustDeclare(mq.CapDeadLetter)
	c := e.client()
	topic, dlq := e.topic(), e.topic()
	g := e.group()
	dead := NewCollector()
	e.subscribe(c, dlq, dead.Handler("dlq", nil), mq.Group(e.group()))
	col := NewCollector()
	h := func(_ context.Context, m *mq.Message) error {
		if m.ID == "dl-noretry" {
			return mq.NoRetry(fmt.Errorf("poison: %w", errBoom))
		}
		return fmt.Errorf("attempt %d: %w", m.Attempt, errBoom)
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Group(g), mq.MaxAttempts(2), mq.DeadLetterTopic(dlq), fast())
	for _, m := range msgs([]string{"dl-retry", "dl-noretry"}) {
		m.SetHeader("orig", "kept")
		m.Key = "dl-key"
		m.Tag = "dltag"
		e.publish(c, topic, m)
	}
	dead.WaitDone(e.t, e.h.Wait, "dl-retry", "dl-noretry")
	dead.ExpectExactlyOnce(e.t, e.h.Quiet, "dl-retry", "dl-noretry")
	e.checkBodies(dead)
	if got := col.Attempts("dl-retry"); !eqInts(got, []int{1, 2}) {
		e.t.Errorf("attempts before dead-lettering: %v, want [1 2] (MaxAttempts 2)", got)
	}
	if got := col.Attempts("dl-noretry"); !eqInts(got, []int{1}) {
		e.t.Errorf("attempts of a NoRetry failure: %v, want [1]", got)
	}
	for id, attempts := range map[string]string{"dl-retry": "2", "dl-noretry": "1"} {
		m := dead.Of(id)[0].Msg
		if r := m.Header(driver.HeaderDeadReason); !strings.Contains(r, errBoom.Error()) {
			e.t.Errorf("%s: dead letter header %s = %q, want the handler's error %q", id, driver.HeaderDeadReason, r, errBoom)
		}
		for k, want := range map[string]string{
			driver.HeaderDeadTopic:    topic,
			driver.HeaderDeadGroup:    g,
			driver.HeaderDeadAttempts: attempts,
			"orig":                    "kept",
		} {
			if got := m.Header(k); got != want {
				e.t.Errorf("%s: dead letter header %s = %q, want %q", id, k, got, want)
			}
		}
		if m.Key != "dl-key" || m.Tag != "dltag" {
			e.t.Errorf("%s: dead letter key %q tag %q, want %q %q", id, m.Key, m.Tag, "dl-key", "dltag")
		}
	}
}

// testHandlerPanic: a panicking handler does not crash the process; the
// message is redelivered and the subscriber keeps working.
func testHandlerPanic(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	h := func(_ context.Context, m *mq.Message) error {
		if m.ID == "panic" && m.Attempt == 1 {
			panic("mqtest: deliberate panic in a handler")
		}
		return nil
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Group(e.group()), fast(), mq.MaxAttempts(5))
	e.publish(c, topic, msg("panic"))
	col.WaitDone(e.t, e.h.Wait, "panic")
	e.publish(c, topic, msg("after"))
	col.WaitDone(e.t, e.h.Wait, "after")
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 3 })
	e.checkBodies(col)
	if got := col.Attempts("panic"); !eqInts(got, []int{1, 2}) {
		e.t.Errorf("attempts of the panicking message: %v, want [1 2]", got)
	}
}

// testHandlerTimeout: a handler past HandlerTimeout has its ctx canceled
// and the message is redelivered.
func testHandlerTimeout(e *env) {
	c := e.client()
	topic := e.topic()
	const timeout = 300 * time.Millisecond
	var canceledAfter atomic.Int64
	col := NewCollector()
	h := func(ctx context.Context, m *mq.Message) error {
		if m.Attempt > 1 {
			return nil
		}
		start := time.Now()
		t := time.NewTimer(e.h.Wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			canceledAfter.Store(int64(time.Since(start)))
			return ctx.Err()
		case <-t.C:
			return errors.New("mqtest: handler ctx was not canceled at HandlerTimeout")
		}
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Group(e.group()), mq.HandlerTimeout(timeout), fast(), mq.MaxAttempts(5))
	e.publish(c, topic, msg("slow"))
	col.WaitDone(e.t, e.h.Wait+timeout, "slow")
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 2 })
	if got := col.Attempts("slow"); !eqInts(got, []int{1, 2}) {
		e.t.Errorf("attempts of the slow message: %v, want [1 2]", got)
	}
	after := time.Duration(canceledAfter.Load())
	if after == 0 {
		e.t.Errorf("the handler's ctx was not canceled")
	} else if after < timeout-10*time.Millisecond || after > timeout+e.h.Wait/2 {
		e.t.Errorf("the handler's ctx was canceled after %v, want about %v", after, timeout)
	}
}
