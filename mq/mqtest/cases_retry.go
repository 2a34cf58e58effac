package mqtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
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
// publish order, one at a time. Key A's first message fails twice and is
// retried in place; A's later messages wait for it. Meanwhile four other
// keys flow: each of their messages that the backend put in another
// partition/queue than A's first message (or every one, where the backend
// reports no partitions) must be handled while A is still failing; those
// sharing A's partition may be blocked with it.
func testOrderedPerKey(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapOrdered) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.Ordered())
		e.isErr(err, mq.ErrUnsupported, "Subscribe with Ordered without CapOrdered")
		return
	}
	keyA := UniqueName("A")
	aIDs := ids("A", 5)
	bKeys := make([]string, 4)
	var bIDs []string
	for k := range bKeys {
		bKeys[k] = UniqueName(fmt.Sprintf("B%d", k))
		bIDs = append(bIDs, fmt.Sprintf("B%d-0", k), fmt.Sprintf("B%d-1", k))
	}
	col := NewCollector()
	bDone := func(ds []Delivery) bool { return len(missing(ds, bIDs)) == 0 }
	gate := e.h.Wait / 3
	h := func(ctx context.Context, m *mq.Message) error {
		if m.ID != aIDs[0] {
			return nil
		}
		switch m.Attempt {
		case 1:
			return fmt.Errorf("first attempt: %w", errBoom)
		case 2:
			// Hold key A failing until the other keys got through (or
			// the gate closes, for those blocked with A's partition).
			col.Until(gate, bDone)
			return fmt.Errorf("second attempt: %w", errBoom)
		}
		return nil
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Ordered(), mq.Group(e.group()), fast(), mq.MaxAttempts(10))
	pub := func(id, key string) {
		m := msg(id)
		m.Key = key
		e.publish(c, topic, m)
	}
	pub(aIDs[0], keyA)
	for i := 0; i < 2; i++ {
		for k, key := range bKeys {
			pub(fmt.Sprintf("B%d-%d", k, i), key)
		}
		pub(aIDs[1+i], keyA)
	}
	pub(aIDs[3], keyA)
	pub(aIDs[4], keyA)
	all := append(append([]string(nil), aIDs...), bIDs...)
	col.WaitDone(e.t, e.h.Wait+gate, all...)
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 7+len(bIDs) })
	e.checkBodies(col)

	ds := col.Deliveries()
	byKey := func(key string) []string { return seq(ds, func(d Delivery) bool { return d.Msg.Key == key }) }
	if got, want := byKey(keyA), []string{"A-0#1", "A-0#2", "A-0#3", "A-1#1", "A-2#1", "A-3#1", "A-4#1"}; !eqStrings(got, want) {
		e.t.Errorf("key A delivered as %v, want %v", got, want)
	}
	for k, key := range bKeys {
		want := []string{fmt.Sprintf("B%d-0#1", k), fmt.Sprintf("B%d-1#1", k)}
		if got := byKey(key); !eqStrings(got, want) {
			e.t.Errorf("key B%d delivered as %v, want %v", k, got, want)
		}
	}
	for _, key := range append([]string{keyA}, bKeys...) {
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
	a := col.Of(aIDs[0])
	if len(a) != 3 {
		return // reported above
	}
	pa, succeeded := a[0].Msg.Partition, a[2].Start
	shared := 0
	for _, d := range ds {
		if d.Msg.Key == keyA {
			continue
		}
		if pa >= 0 && d.Msg.Partition == pa {
			shared++
			continue
		}
		if !d.End.Before(succeeded) {
			e.t.Errorf("%s (partition %d) was handled only after key A's failing message (partition %d) succeeded: a failing key blocked another", d.Msg.ID, d.Msg.Partition, pa)
		}
	}
	if shared > 0 {
		e.t.Logf("%d of the other keys' messages share partition/queue %d with key A, which a failing message may block as a whole", shared, pa)
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
		if r := m.Header(mq.HeaderDeadReason); !strings.Contains(r, errBoom.Error()) {
			e.t.Errorf("%s: dead letter header %s = %q, want the handler's error %q", id, mq.HeaderDeadReason, r, errBoom)
		}
		for k, want := range map[string]string{
			mq.HeaderDeadTopic:    topic,
			mq.HeaderDeadGroup:    g,
			mq.HeaderDeadAttempts: attempts,
			"orig":                "kept",
		} {
			if got := m.Header(k); got != want {
				e.t.Errorf("%s: dead letter header %s = %q, want %q", id, k, got, want)
			}
		}
		if m.Key != "dl-key" || m.Tag != "dltag" {
			e.t.Errorf("%s: dead letter key %q tag %q, want %q %q", id, m.Key, m.Tag, "dl-key", "dltag")
		}
	}
	if e.has(mq.CapPull) {
		deadLetterPull(e, c)
	}
}

// deadLetterPull: a pull consumer's Nack past MaxAttempts dead-letters the
// message with the Nack's reason.
func deadLetterPull(e *env, c *mq.Client) {
	topic, dlq := e.topic(), e.topic()
	g := e.group()
	dead := NewCollector()
	e.subscribe(c, dlq, dead.Handler("dlq", nil), mq.Group(e.group()))
	k := e.consumer(c, topic, mq.Group(g), mq.MaxAttempts(2), mq.DeadLetterTopic(dlq), fast())
	e.publish(c, topic, msg("pull-dead"))
	if err := receiveOne(e, k, "pull-dead", 1).Nack(e.ctx, errBoom); err != nil {
		e.t.Fatalf("Nack: %v", err)
	}
	if err := receiveOne(e, k, "pull-dead", 2).Nack(e.ctx, fmt.Errorf("pull reason: %w", errBoom)); err != nil {
		e.t.Fatalf("Nack past MaxAttempts: %v", err)
	}
	dead.WaitDone(e.t, e.h.Wait, "pull-dead")
	dead.ExpectExactlyOnce(e.t, e.h.Quiet, "pull-dead")
	e.checkBodies(dead)
	m := dead.Of("pull-dead")[0].Msg
	if r := m.Header(mq.HeaderDeadReason); !strings.Contains(r, "pull reason") {
		e.t.Errorf("pull dead letter: %s = %q, want the Nack's reason", mq.HeaderDeadReason, r)
	}
	for k, want := range map[string]string{mq.HeaderDeadTopic: topic, mq.HeaderDeadGroup: g, mq.HeaderDeadAttempts: "2"} {
		if got := m.Header(k); got != want {
			e.t.Errorf("pull dead letter: header %s = %q, want %q", k, got, want)
		}
	}
	if ms, err := k.Receive(e.ctx, 10, e.h.Quiet); err != nil || len(ms) > 0 {
		e.t.Errorf("Receive after dead-lettering: %d more (%v), want none", len(ms), err)
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
	// What the handler saw: when it started, its ctx's deadline, when the
	// ctx was canceled. The checks below compare these instants with each
	// other and with when the message was published, never with how long
	// the handler waited: on a loaded machine the handler may start well
	// after the engine set its deadline.
	var mu sync.Mutex
	var started, deadline, canceled time.Time
	var hasDeadline bool
	col := NewCollector()
	h := func(ctx context.Context, m *mq.Message) error {
		if m.Attempt > 1 {
			return nil
		}
		start := time.Now()
		dl, ok := ctx.Deadline()
		t := time.NewTimer(e.h.Wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			mu.Lock()
			started, deadline, hasDeadline, canceled = start, dl, ok, time.Now()
			mu.Unlock()
			return ctx.Err()
		case <-t.C:
			return errors.New("mqtest: handler ctx was not canceled at HandlerTimeout")
		}
	}
	e.subscribe(c, topic, col.Handler("s", h), mq.Group(e.group()), mq.HandlerTimeout(timeout), fast(), mq.MaxAttempts(5))
	published := time.Now()
	e.publish(c, topic, msg("slow"))
	col.WaitDone(e.t, e.h.Wait+timeout, "slow")
	col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 2 })
	if got := col.Attempts("slow"); !eqInts(got, []int{1, 2}) {
		e.t.Errorf("attempts of the slow message: %v, want [1 2]", got)
	}
	mu.Lock()
	defer mu.Unlock()
	const slack = 2 * time.Millisecond // clock reads of different goroutines
	switch {
	case canceled.IsZero():
		e.t.Errorf("the handler's ctx was not canceled")
	case !hasDeadline:
		e.t.Errorf("the handler's ctx has no deadline with HandlerTimeout(%v)", timeout)
	case deadline.Before(published.Add(timeout - slack)):
		e.t.Errorf("the handler's deadline is %v after the publish, want at least %v", deadline.Sub(published), timeout)
	case deadline.After(started.Add(timeout + slack)):
		e.t.Errorf("the handler's deadline is %v after the handler started, want at most %v", deadline.Sub(started), timeout)
	case canceled.Before(deadline.Add(-slack)):
		e.t.Errorf("the handler's ctx was canceled %v before its deadline", deadline.Sub(canceled))
	case canceled.After(deadline.Add(e.h.Wait / 2)):
		e.t.Errorf("the handler's ctx was canceled %v after its deadline", canceled.Sub(deadline))
	}
}
