package mqtest

import (
	"fmt"
	"time"

	"github.com/unimq/unimq/mq"
)

// testCompetingConsumers: three subscribers of one group (each on its own
// client, like three service instances) share the messages: each message is
// handled exactly once across them.
func testCompetingConsumers(e *env) {
	e.mustDeclare(mq.CapGroups)
	topic := e.topic()
	g := e.group()
	col := NewCollector()
	for i := 0; i < 3; i++ {
		e.subscribe(e.client(), topic, col.Handler(fmt.Sprintf("s%d", i), nil), mq.Group(g))
	}
	want := ids("compete", 60)
	e.publish(e.client(), topic, msgs(want)...)
	col.WaitDone(e.t, e.h.Wait, want...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
	e.checkBodies(col)
	per := map[string]int{}
	for _, d := range col.Deliveries() {
		per[d.Label]++
	}
	e.t.Logf("distribution over the group's subscribers: %v", per)
}

// testGroupsEachGetAll: every group gets every message, once per group.
func testGroupsEachGetAll(e *env) {
	e.mustDeclare(mq.CapGroups)
	topic := e.topic()
	c := e.client()
	cols := []*Collector{NewCollector(), NewCollector(), NewCollector()}
	for i, col := range cols {
		g := e.group()
		e.subscribe(c, topic, col.Handler("a", nil), mq.Group(g))
		if i == 0 {
			// Two competing members in the first group.
			e.subscribe(e.client(), topic, col.Handler("b", nil), mq.Group(g))
		}
	}
	want := ids("groups", 20)
	e.publish(c, topic, msgs(want)...)
	for _, col := range cols {
		col.WaitDone(e.t, e.h.Wait, want...)
	}
	for _, col := range cols {
		col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
		e.checkBodies(col)
	}
}

// testBroadcast: every Broadcast subscriber gets every message, also two in
// the same group; without CapBroadcast, Broadcast is ErrUnsupported.
func testBroadcast(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapBroadcast) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.Broadcast())
		e.isErr(err, mq.ErrUnsupported, "Subscribe with Broadcast without CapBroadcast")
		if e.has(mq.CapPull) {
			_, err := c.NewConsumer(e.ctx, topic, mq.Broadcast())
			e.isErr(err, mq.ErrUnsupported, "NewConsumer with Broadcast without CapBroadcast")
		}
		return
	}
	g := e.group()
	cols := []*Collector{NewCollector(), NewCollector(), NewCollector()}
	e.subscribe(e.client(), topic, cols[0].Handler("b0", nil), mq.Broadcast())
	e.subscribe(e.client(), topic, cols[1].Handler("b1", nil), mq.Broadcast(), mq.Group(g))
	e.subscribe(e.client(), topic, cols[2].Handler("b2", nil), mq.Broadcast(), mq.Group(g))
	want := ids("bcast", 20)
	e.publish(c, topic, msgs(want)...)
	for _, col := range cols {
		col.WaitDone(e.t, e.h.Wait, want...)
	}
	for _, col := range cols {
		col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
		e.checkBodies(col)
	}
}

// testStartPosition: a new group starting from Oldest sees what was published
// before it subscribed; one starting from Newest (the default) does not.
// Without CapStartOldest, StartFrom(Oldest) is ErrUnsupported. Without
// CapStartTime, StartAt is ErrUnsupported.
func testStartPosition(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapStartTime) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.StartAt(time.Now()), mq.Group(e.group()))
		e.isErr(err, mq.ErrUnsupported, "StartAt without CapStartTime")
	}
	if !e.has(mq.CapStartOldest) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.StartFrom(mq.Oldest), mq.Group(e.group()))
		e.isErr(err, mq.ErrUnsupported, "StartFrom(Oldest) without CapStartOldest")
		// Newest still works: what is published after Subscribe arrives.
		col := NewCollector()
		e.subscribe(c, topic, col.Handler("new", nil), mq.StartFrom(mq.Newest), mq.Group(e.group()))
		e.publish(c, topic, msg("after"))
		col.WaitDone(e.t, e.h.Wait, "after")
		col.ExpectExactlyOnce(e.t, e.h.Quiet, "after")
		return
	}

	before := ids("before", 3)
	e.publish(c, topic, msgs(before)...)
	oldest, newest, deflt := NewCollector(), NewCollector(), NewCollector()
	e.subscribe(c, topic, oldest.Handler("oldest", nil), mq.StartFrom(mq.Oldest), mq.Group(e.group()))
	e.subscribe(c, topic, newest.Handler("newest", nil), mq.StartFrom(mq.Newest), mq.Group(e.group()))
	e.subscribe(c, topic, deflt.Handler("default", nil), mq.Group(e.group()))
	oldest.WaitDone(e.t, e.h.Wait, before...)

	e.publish(c, topic, msg("after"))
	all := append(append([]string(nil), before...), "after")
	oldest.WaitDone(e.t, e.h.Wait, all...)
	newest.WaitDone(e.t, e.h.Wait, "after")
	deflt.WaitDone(e.t, e.h.Wait, "after")
	oldest.ExpectExactlyOnce(e.t, e.h.Quiet, all...)
	newest.ExpectExactlyOnce(e.t, 0, "after")
	deflt.ExpectExactlyOnce(e.t, 0, "after")
	e.checkBodies(oldest)
}

// testStartTime: a new group with StartAt(t) gets the messages published at
// or after t and none published before. Brokers index time at different
// granularity (RocketMQ by the second), so the suite leaves a gap of one
// clock second between the two sets. Without CapStartTime, StartAt is
// ErrUnsupported (also checked in StartPosition).
func testStartTime(e *env) {
	c := e.client()
	topic := e.topic()
	if !e.has(mq.CapStartTime) {
		_, err := c.Subscribe(e.ctx, topic, NewCollector().Handler("s", nil), mq.StartAt(time.Now()), mq.Group(e.group()))
		e.isErr(err, mq.ErrUnsupported, "StartAt without CapStartTime")
		return
	}
	old := ids("old", 3)
	e.publish(c, topic, msgs(old)...)
	// A clock gap, not a wait for a condition: the boundary is 10ms into
	// the next whole second after the last old message was confirmed.
	boundary := time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)
	gap := time.NewTimer(time.Until(boundary))
	select {
	case <-gap.C:
	case <-e.ctx.Done():
		gap.Stop()
		e.t.Fatal(e.ctx.Err())
	}
	newer := ids("new", 3)
	e.publish(c, topic, msgs(newer)...)
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("at", nil), mq.StartAt(boundary), mq.Group(e.group()))
	col.WaitDone(e.t, e.h.Wait, newer...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, newer...)
	e.checkBodies(col)
}
