package mqtest

import (
	"sort"
	"strings"
	"time"

	"github.com/unimq/unimq/mq"
)

// testTagFilter: a subscriber with "a || b" gets the messages tagged a or b
// and no other; "*" gets every tag. Filters work on every backend (mq
// filters client-side what the broker does not; CapTagFilter only says the
// broker does it), so this runs whatever the capabilities.
func testTagFilter(e *env) {
	c := e.client()
	topic := e.topic()
	ab, star, single := NewCollector(), NewCollector(), NewCollector()
	e.subscribe(c, topic, ab.Handler("ab", nil), mq.Group(e.group()), mq.TagFilter("a || b"))
	e.subscribe(c, topic, star.Handler("star", nil), mq.Group(e.group()), mq.TagFilter("*"))
	e.subscribe(c, topic, single.Handler("c", nil), mq.Group(e.group()), mq.TagFilter("c"))
	var pull *mq.Consumer
	if e.has(mq.CapPull) {
		pull = e.consumer(c, topic, mq.Group(e.group()), mq.TagFilter("a || b"))
	}
	tags := map[string]string{"t-c": "c", "t-none": "", "t-a": "a", "t-ab": "ab", "t-b": "b", "t-a2": "a"}
	order := []string{"t-c", "t-none", "t-a", "t-ab", "t-b", "t-a2"}
	for _, id := range order {
		m := msg(id)
		m.Tag = tags[id]
		e.publish(c, topic, m)
	}
	if pull != nil {
		// Receive skips (and acks) what the filter drops.
		got := map[string]int{}
		deadline := time.Now().Add(e.h.Wait)
		for len(got) < 3 && time.Now().Before(deadline) {
			ms, err := pull.Receive(e.ctx, 10, time.Until(deadline))
			if err != nil {
				e.t.Fatalf("Receive with TagFilter: %v", err)
			}
			for _, m := range ms {
				got[m.ID]++
				if err := m.Ack(e.ctx); err != nil {
					e.t.Fatalf("Ack: %v", err)
				}
			}
		}
		if ms, err := pull.Receive(e.ctx, 10, e.h.Quiet); err != nil || len(ms) > 0 {
			e.t.Errorf("Receive after the matching messages: %d more (%v)", len(ms), err)
		}
		if len(got) != 3 || got["t-a"] != 1 || got["t-b"] != 1 || got["t-a2"] != 1 {
			e.t.Errorf("pull consumer with TagFilter(\"a || b\") received %v, want t-a, t-b, t-a2 once each", got)
		}
	}
	ab.WaitDone(e.t, e.h.Wait, "t-a", "t-b", "t-a2")
	star.WaitDone(e.t, e.h.Wait, order...)
	single.WaitDone(e.t, e.h.Wait, "t-c")
	ab.ExpectExactlyOnce(e.t, e.h.Quiet, "t-a", "t-b", "t-a2")
	star.ExpectExactlyOnce(e.t, 0, order...)
	single.ExpectExactlyOnce(e.t, 0, "t-c")
	for _, d := range star.Deliveries() {
		if d.Msg.Tag != tags[d.Msg.ID] {
			e.t.Errorf("%s: tag %q, want %q", d.Msg.ID, d.Msg.Tag, tags[d.Msg.ID])
		}
	}
}

// patternCase is one TagPattern subscriber and the tags it must get.
type patternCase struct {
	patterns []string
	want     []string
}

// testTagPattern: RabbitMQ topic-exchange patterns on dot-separated tags:
// "*" is exactly one word, "#" zero or more. Like tag filters they work on
// every backend (CapPatternFilter: the broker routes by them).
func testTagPattern(e *env) {
	c := e.client()
	topic := e.topic()
	tags := []string{"order", "order.created", "order.created.eu", "user.created", "error", "a.error", "a.b.error"}
	cases := []patternCase{
		{[]string{"order.*"}, []string{"order.created"}},
		{[]string{"order.#"}, []string{"order", "order.created", "order.created.eu"}},
		{[]string{"#"}, tags},
		{[]string{"*"}, []string{"order", "error"}},
		{[]string{"#.error"}, []string{"error", "a.error", "a.b.error"}},
		{[]string{"*.created"}, []string{"order.created", "user.created"}},
		{[]string{"*.*.eu", "user.#"}, []string{"order.created.eu", "user.created"}},
		{[]string{"order.#.eu"}, []string{"order.created.eu"}},
	}
	cols := make([]*Collector, len(cases))
	for i, pc := range cases {
		cols[i] = NewCollector()
		e.subscribe(c, topic, cols[i].Handler(strings.Join(pc.patterns, ","), nil), mq.Group(e.group()), mq.TagPattern(pc.patterns...))
	}
	id := func(tag string) string { return "p-" + tag }
	for _, tag := range tags {
		m := msg(id(tag))
		m.Tag = tag
		e.publish(c, topic, m)
	}
	for i, pc := range cases {
		var want []string
		for _, tag := range pc.want {
			want = append(want, id(tag))
		}
		if !cols[i].Until(e.h.Wait, func(ds []Delivery) bool { return len(missing(ds, want)) == 0 }) {
			e.t.Errorf("pattern %v: timed out waiting for %v; got %s", pc.patterns, pc.want, cols[i].Summary())
		}
	}
	// Every subscriber has had the quiet window once the last wait ended.
	cols[0].Until(e.h.Quiet, func([]Delivery) bool { return false })
	for i, pc := range cases {
		var got []string
		for _, d := range cols[i].Deliveries() {
			got = append(got, d.Msg.Tag)
		}
		sort.Strings(got)
		want := append([]string(nil), pc.want...)
		sort.Strings(want)
		if !eqStrings(got, want) {
			e.t.Errorf("pattern %v: got tags %v, want %v", pc.patterns, got, want)
		}
	}
}
