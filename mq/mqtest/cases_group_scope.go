package mqtest

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq"
)

// A group is scoped to its topic: group G of topic A and group G of topic B
// are unrelated, each gets every message of its own topic. (RocketMQ's
// groups are broker-wide; its adapter must keep this meaning.)

// testGroupAcrossTopics: one named group subscribed to two topics (two
// members on each, on separate clients) gets every message of each topic
// exactly once, on the subscriber of that topic.
func testGroupAcrossTopics(e *env) {
	e.mustDeclare(mq.CapGroups)
	groupAcrossTopics(e, mq.Group(e.group()))
}

// testDefaultGroupAcrossTopics: the same with the default group (no
// mq.Group), as an application that never names groups does.
func testDefaultGroupAcrossTopics(e *env) {
	e.mustDeclare(mq.CapGroups)
	groupAcrossTopics(e)
}

func groupAcrossTopics(e *env, opts ...mq.Option) {
	topics := []string{e.topic(), e.topic()}
	cols := []*Collector{NewCollector(), NewCollector()}
	for i, topic := range topics {
		for m := 0; m < 2; m++ {
			e.subscribe(e.client(), topic, cols[i].Handler(fmt.Sprintf("t%d-m%d", i, m), nil), opts...)
		}
	}
	c := e.client()
	want := make([][]string, len(topics))
	for i, topic := range topics {
		want[i] = ids(fmt.Sprintf("scope%d", i), 20)
		e.publish(c, topic, msgs(want[i])...)
	}
	for i, col := range cols {
		col.WaitDone(e.t, e.h.Wait, want[i]...)
	}
	for i, col := range cols {
		col.ExpectExactlyOnce(e.t, e.h.Quiet, want[i]...)
		e.checkBodies(col)
	}
}

// testBroadcastAcrossTopics: Broadcast subscribers of two topics, without a
// group and with one shared group, each get every message of their own
// topic (and only those). Without CapBroadcast there is nothing to check
// (Broadcast covers ErrUnsupported).
func testBroadcastAcrossTopics(e *env) {
	if !e.has(mq.CapBroadcast) {
		e.t.Skip("backend lacks broadcast (Broadcast checks ErrUnsupported)")
	}
	g := e.group()
	topics := []string{e.topic(), e.topic()}
	type sub struct {
		col   *Collector
		topic int
	}
	var subs []sub
	for i, topic := range topics {
		for _, opts := range [][]mq.Option{{mq.Broadcast()}, {mq.Broadcast(), mq.Group(g)}} {
			col := NewCollector()
			e.subscribe(e.client(), topic, col.Handler(fmt.Sprintf("t%d", i), nil), opts...)
			subs = append(subs, sub{col, i})
		}
	}
	c := e.client()
	want := make([][]string, len(topics))
	for i, topic := range topics {
		want[i] = ids(fmt.Sprintf("bscope%d", i), 20)
		e.publish(c, topic, msgs(want[i])...)
	}
	for _, s := range subs {
		s.col.WaitDone(e.t, e.h.Wait, want[s.topic]...)
	}
	for _, s := range subs {
		s.col.ExpectExactlyOnce(e.t, e.h.Quiet, want[s.topic]...)
		e.checkBodies(s.col)
	}
}

// testOrderedMembershipChange: members of an Ordered group join one after
// the other (each join moves partitions/queues away from the earlier ones)
// and then close; the next member, alone in the group, joins at once and
// gets what is published next within Wait, each key in publish order. (On
// RocketMQ a queue taken away must be unlocked, or the new owner waits for
// the broker's lock expiry.)
func testOrderedMembershipChange(e *env) {
	if !e.has(mq.CapOrdered) {
		e.t.Skip("backend lacks Ordered (OrderedPerKey checks ErrUnsupported)")
	}
	e.mustDeclare(mq.CapGroups)
	topic := e.topic()
	g := e.group()
	early := NewCollector()
	var members []*mq.Subscriber
	for i := 0; i < 3; i++ {
		members = append(members, e.subscribe(e.client(), topic, early.Handler(fmt.Sprintf("m%d", i), nil), mq.Ordered(), mq.Group(g)))
	}
	for _, m := range members {
		ctx, cancel := context.WithTimeout(e.ctx, e.h.Wait)
		err := m.Close(ctx)
		cancel()
		if err != nil {
			e.t.Fatalf("close a member: %v", err)
		}
	}
	col := NewCollector()
	start := time.Now()
	e.subscribe(e.client(), topic, col.Handler("next", nil), mq.Ordered(), mq.Group(g))
	joined := time.Since(start)
	keys := make([]string, 4)
	var all []string
	c := e.client()
	for k := range keys {
		keys[k] = UniqueName(fmt.Sprintf("K%d", k))
	}
	for i := 0; i < 5; i++ {
		for k, key := range keys {
			id := fmt.Sprintf("K%d-%d", k, i)
			m := msg(id)
			m.Key = key
			e.publish(c, topic, m)
			all = append(all, id)
		}
	}
	col.WaitDone(e.t, e.h.Wait, all...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, all...)
	e.checkBodies(col)
	e.t.Logf("the next member joined in %v; every message handled %v after it joined (including the Quiet window)", joined, time.Since(start))
	ds := col.Deliveries()
	for k, key := range keys {
		got := seq(ds, func(d Delivery) bool { return d.Msg.Key == key })
		var want []string
		for i := 0; i < 5; i++ {
			want = append(want, fmt.Sprintf("K%d-%d#1", k, i))
		}
		if !eqStrings(got, want) {
			e.t.Errorf("key K%d delivered as %v, want %v", k, got, want)
		}
	}
	if n := early.Len(); n > 0 {
		e.t.Errorf("closed members handled %d messages: %s", n, early.Summary())
	}
}
