package mqtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq"
)

// testDelay: a delayed message arrives not before its Delay (or DeliverAt)
// and not later than DelayTolerance after; an undelayed one published after
// it is not held back. Without CapDelay, a delayed message is refused with
// ErrUnsupported and nothing is delivered.
func testDelay(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))
	delay := time.Second
	if max := e.caps.MaxDelay; max > 0 && max < delay {
		delay = max
	}
	if !e.has(mq.CapDelay) {
		e.isErr(c.Publish(e.ctx, topic, &mq.Message{ID: "delayed", Body: []byte("x"), Delay: delay}), mq.ErrUnsupported, "Publish with Delay without CapDelay")
		e.isErr(c.Publish(e.ctx, topic, &mq.Message{ID: "at", Body: []byte("x"), DeliverAt: time.Now().Add(delay)}), mq.ErrUnsupported, "Publish with DeliverAt without CapDelay")
		e.isErr(c.PublishBatch(e.ctx, topic, []*mq.Message{msg("b1"), {ID: "b2", Delay: delay}}), mq.ErrUnsupported, "PublishBatch with a Delay without CapDelay")
		col.Never(e.t, e.h.Quiet+delay, "a refused delayed message was delivered", func(ds []Delivery) bool { return len(ds) > 0 })
		return
	}
	if max := e.caps.MaxDelay; max > 0 {
		e.isErr(c.Publish(e.ctx, topic, &mq.Message{ID: "too-far", Delay: max + time.Hour}), mq.ErrUnsupported, "Publish with Delay over MaxDelay")
	}
	start := time.Now()
	d1 := msg("delayed")
	d1.Delay = delay
	e.publish(c, topic, d1)
	sent1 := time.Now()
	at := time.Now().Add(delay)
	d2 := msg("deliver-at")
	d2.DeliverAt = at
	e.publish(c, topic, d2)
	sent2 := time.Now()
	e.publish(c, topic, msg("now"))

	col.WaitDone(e.t, e.h.Wait, "now")
	if n := len(col.Of("delayed")) + len(col.Of("deliver-at")); n > 0 && time.Since(start) < delay {
		e.t.Fatalf("a delayed message arrived %v after publishing, before its delay %v", time.Since(start), delay)
	}
	col.WaitDone(e.t, delay+e.h.DelayTolerance+e.h.Wait, "delayed", "deliver-at")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "delayed", "deliver-at", "now")
	e.checkBodies(col)

	got1 := col.Of("delayed")[0].Start
	if early := start.Add(delay).Sub(got1); early > 0 {
		e.t.Errorf("Delay %v: arrived %v early", delay, early)
	}
	if late := got1.Sub(sent1.Add(delay)); late > e.h.DelayTolerance {
		e.t.Errorf("Delay %v: arrived %v late (tolerance %v)", delay, late, e.h.DelayTolerance)
	}
	got2 := col.Of("deliver-at")[0].Start
	if early := at.Sub(got2); early > 0 {
		e.t.Errorf("DeliverAt: arrived %v early", early)
	}
	if late := got2.Sub(sent2.Add(delay)); late > e.h.DelayTolerance {
		e.t.Errorf("DeliverAt: arrived %v late (tolerance %v)", late, e.h.DelayTolerance)
	}
}

// errLocal is what a rolled-back local transaction returns.
var errLocal = errors.New("mqtest: local transaction failed")

// testTransactions: PublishTx commits (messages invisible while the local
// transaction runs, delivered after), rolls back (ErrTxRolledBack wrapping
// the local error, nothing delivered) and, with CapTxCheckBack, resolves an
// unknown outcome through the TxChecker. Without CapTransactions it is
// ErrUnsupported before anything is sent or run.
func testTransactions(e *env) {
	if !e.has(mq.CapTransactions) {
		c := e.client()
		topic := e.topic()
		col := NewCollector()
		e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))
		ran := false
		err := c.PublishTx(e.ctx, topic, msgs([]string{"tx"}), func(context.Context) error { ran = true; return nil })
		e.isErr(err, mq.ErrUnsupported, "PublishTx without CapTransactions")
		if ran {
			e.t.Error("PublishTx without CapTransactions ran the local transaction")
		}
		col.Never(e.t, e.h.Quiet, "a message of a refused transaction was delivered", func(ds []Delivery) bool { return len(ds) > 0 })
		return
	}
	if e.caps.Has(mq.CapTxCheckBack) && !e.caps.Has(mq.CapTransactions) {
		e.t.Errorf("backend declares %s without %s", mq.CapTxCheckBack, mq.CapTransactions)
	}
	asked := NewCollector() // one delivery per check-back question
	ask := asked.Handler("checker", nil)
	checker := func(ctx context.Context, m *mq.Message) mq.TxState {
		_ = ask(ctx, m)
		switch m.Header("decision") {
		case "commit":
			return mq.TxCommit
		case "rollback":
			return mq.TxRollback
		}
		return mq.TxUnknown
	}
	var c *mq.Client
	if e.caps.Has(mq.CapTxCheckBack) {
		c = e.client(mq.WithTxChecker(checker))
	} else {
		c = e.client()
	}
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	// Commit: invisible during the local transaction, delivered after.
	commit := ids("commit", 3)
	err := c.PublishTx(e.ctx, topic, msgs(commit), func(ctx context.Context) error {
		if col.Until(e.h.Quiet, func(ds []Delivery) bool { return len(ds) > 0 }) {
			e.t.Errorf("a message of a transaction was delivered before the local transaction ended: %s", col.Summary())
		}
		return nil
	})
	if err != nil {
		e.t.Fatalf("PublishTx (commit): %v", err)
	}
	col.WaitDone(e.t, e.h.Wait, commit...)

	// Rollback: the local error is returned, nothing delivered.
	err = c.PublishTx(e.ctx, topic, msgs([]string{"rollback"}), func(context.Context) error { return errLocal })
	e.isErr(err, mq.ErrTxRolledBack, "PublishTx whose local transaction failed")
	if !errors.Is(err, errLocal) {
		e.t.Errorf("PublishTx rollback: %v does not wrap the local error", err)
	}

	want := commit
	if e.caps.Has(mq.CapTxCheckBack) {
		yes, no := msg("check-commit"), msg("check-rollback")
		yes.SetHeader("decision", "commit")
		no.SetHeader("decision", "rollback")
		unknown := fmt.Errorf("mqtest: outcome not known yet: %w", mq.ErrTxUnknown)
		for _, m := range []*mq.Message{yes, no} {
			err := c.PublishTx(e.ctx, topic, []*mq.Message{m}, func(context.Context) error { return unknown })
			e.isErr(err, mq.ErrTxUnknown, "PublishTx whose local outcome is unknown")
		}
		col.WaitDone(e.t, e.h.CheckBackWait, "check-commit")
		if len(asked.Of("check-commit")) == 0 {
			e.t.Error("check-commit was delivered without the TxChecker being asked")
		}
		// Rolled back by the checker: wait until it was asked, then the
		// quiet window below shows it never arrives.
		asked.WaitDone(e.t, e.h.CheckBackWait, "check-rollback")
		want = append(want, "check-commit")
	}
	col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
	e.checkBodies(col)
}

// testPull: Consumer.Receive returns batches of up to max, returns empty
// after wait, and redelivers on Nack, on AckTimeout and on Close. Without
// CapPull, NewConsumer is ErrUnsupported.
func testPull(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapPull) {
		_, err := c.NewConsumer(e.ctx, topic)
		e.isErr(err, mq.ErrUnsupported, "NewConsumer without CapPull")
		return
	}
	g := e.group()
	k := e.consumer(c, topic, mq.Group(g), fast(), mq.MaxAttempts(5))
	want := ids("pull", 7)
	e.publish(c, topic, msgs(want)...)

	// Batches of at most 3 until all 7 arrived; each acked explicitly.
	got := map[string]int{}
	deadline := time.Now().Add(e.h.Wait)
	for len(got) < len(want) && time.Now().Before(deadline) {
		ms, err := k.Receive(e.ctx, 3, time.Until(deadline))
		if err != nil {
			e.t.Fatalf("Receive: %v", err)
		}
		if len(ms) > 3 {
			e.t.Errorf("Receive(max 3) returned %d messages", len(ms))
		}
		for _, m := range ms {
			got[m.ID]++
			if string(m.Body) != "body-"+m.ID || m.Attempt != 1 || m.Topic != topic {
				e.t.Errorf("%s: body %q attempt %d topic %q", m.ID, m.Body, m.Attempt, m.Topic)
			}
		}
		if err := k.Ack(e.ctx, ms...); err != nil {
			e.t.Fatalf("Ack: %v", err)
		}
		if len(ms) > 0 {
			e.isErr(ms[0].Ack(e.ctx), mq.ErrInvalidArgument, "second Ack of a message")
		}
	}
	for _, id := range want {
		if got[id] != 1 {
			e.t.Errorf("%s received %d times, want 1", id, got[id])
		}
	}

	// Nothing left: Receive returns empty after wait.
	t0 := time.Now()
	ms, err := k.Receive(e.ctx, 10, e.h.Quiet)
	if err != nil || len(ms) != 0 {
		e.t.Fatalf("Receive on an empty consumer: %d messages, %v; want none and nil", len(ms), err)
	}
	if el := time.Since(t0); el < e.h.Quiet-10*time.Millisecond || el > e.h.Quiet+e.h.Wait {
		e.t.Errorf("Receive(wait %v) on an empty consumer returned after %v", e.h.Quiet, el)
	}

	// Nack: redelivered with the next attempt.
	e.publish(c, topic, msg("nacked"))
	m := receiveOne(e, k, "nacked", 1)
	if err := m.Nack(e.ctx, errBoom); err != nil {
		e.t.Fatalf("Nack: %v", err)
	}
	m = receiveOne(e, k, "nacked", 2)
	if err := m.Ack(e.ctx); err != nil {
		e.t.Fatalf("Ack after redelivery: %v", err)
	}

	// AckTimeout: a message neither acked nor nacked comes back.
	topic2 := e.topic()
	kt := e.consumer(c, topic2, mq.Group(e.group()), fast(), mq.MaxAttempts(5), mq.AckTimeout(500*time.Millisecond))
	e.publish(c, topic2, msg("forgotten"))
	old := receiveOne(e, kt, "forgotten", 1)
	again := receiveOne(e, kt, "forgotten", 2)
	e.isErr(old.Ack(e.ctx), mq.ErrInvalidArgument, "Ack after AckTimeout redelivered the message")
	if err := again.Ack(e.ctx); err != nil {
		e.t.Fatalf("Ack of the redelivery: %v", err)
	}

	// Close: what was received and not acked goes to the next consumer of
	// the group.
	e.publish(c, topic, msg("unacked"))
	_ = receiveOne(e, k, "unacked", 1)
	if err := k.Close(e.ctx); err != nil {
		e.t.Fatalf("Consumer Close: %v", err)
	}
	k2 := e.consumer(c, topic, mq.Group(g), fast(), mq.MaxAttempts(5))
	m = receiveOne(e, k2, "unacked", 0)
	if err := m.Ack(e.ctx); err != nil {
		e.t.Fatalf("Ack on the new consumer: %v", err)
	}
	if ms, err := k2.Receive(e.ctx, 10, e.h.Quiet); err != nil || len(ms) != 0 {
		e.t.Errorf("after the redelivery: %d more messages (%v), want none", len(ms), err)
	}
	if ms, err := kt.Receive(e.ctx, 10, e.h.Quiet); err != nil || len(ms) != 0 {
		e.t.Errorf("AckTimeout consumer: %d more messages (%v), want none", len(ms), err)
	}
}

// receiveOne receives until the message id arrives (failing on any other)
// and checks its attempt (0: any).
func receiveOne(e *env, k *mq.Consumer, id string, attempt int) *mq.Message {
	e.t.Helper()
	deadline := time.Now().Add(e.h.Wait)
	for time.Now().Before(deadline) {
		ms, err := k.Receive(e.ctx, 1, time.Until(deadline))
		if err != nil {
			e.t.Fatalf("Receive waiting for %s: %v", id, err)
		}
		if len(ms) == 0 {
			continue
		}
		m := ms[0]
		if m.ID != id {
			e.t.Fatalf("Receive waiting for %s got %s (attempt %d)", id, m.ID, m.Attempt)
		}
		if attempt > 0 && m.Attempt != attempt {
			e.t.Errorf("%s: attempt %d, want %d", id, m.Attempt, attempt)
		}
		if string(m.Body) != "body-"+id {
			e.t.Errorf("%s: body %q", id, m.Body)
		}
		return m
	}
	e.t.Fatalf("timed out after %v waiting to receive %s", e.h.Wait, id)
	return nil
}
