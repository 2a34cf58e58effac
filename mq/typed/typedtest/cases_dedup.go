package typedtest

import (
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/dedup"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
)

// testDedup: a message whose ID was handled successfully before is
// acknowledged without running the handler; other IDs run.
func testDedup(e *env) {
	c := e.client()
	topic := e.topic()
	all := mqtest.NewCollector() // every delivery, outside the dedup middleware
	ran, vals := mqtest.NewCollector(), &values[order]{}
	outer := func(next mq.Handler) mq.Handler { return all.Handler("all", next) }
	e.closing(typed.Subscribe(e.ctx, c, topic, typed.JSON, record(vals, ran), mq.Group(e.group()),
		mq.WithMiddleware(outer, dedup.Middleware(dedup.NewMemoryStore(1000, time.Hour)))))

	p := typed.NewPublisher[order](c, topic, typed.JSON)
	// The second copy is published after the first was handled, as a
	// producer's retry or a replay brings it.
	if err := p.Publish(e.ctx, order{ID: 1}, &mq.Message{ID: "dup-1"}); err != nil {
		e.t.Fatal(err)
	}
	// Settled outside the middleware: the store has marked it (the
	// handler's return alone comes before the mark).
	all.WaitDone(e.t, e.h.Wait, "dup-1")
	for _, id := range []string{"dup-1", "dup-2"} {
		if err := p.Publish(e.ctx, order{ID: 1}, &mq.Message{ID: id}); err != nil {
			e.t.Fatal(err)
		}
	}
	all.WaitFor(e.t, e.h.Wait, "both copies of dup-1 and dup-2 settled", func(ds []mqtest.Delivery) bool {
		n := map[string]int{}
		for _, d := range ds {
			if d.Done() {
				n[d.Msg.ID]++
			}
		}
		return n["dup-1"] == 2 && n["dup-2"] == 1
	})
	ran.ExpectExactlyOnce(e.t, e.h.Quiet, "dup-1", "dup-2")
}

// testDedupSharedStore: two members of one group share a store (as they
// would share a database): a copy of a handled ID is skipped whichever
// member it reaches.
func testDedupSharedStore(e *env) {
	shared := dedup.NewMemoryStore(1000, time.Hour) // stands for the group's database
	topic, g := e.topic(), e.group()
	all := mqtest.NewCollector() // every delivery, outside the dedup middleware
	ran := mqtest.NewCollector()
	for _, member := range []string{"a", "b"} {
		c := e.client()
		outer := func(next mq.Handler) mq.Handler { return all.Handler(member, next) }
		e.closing(c.Subscribe(e.ctx, topic, ran.Handler(member, nil), mq.Group(g),
			mq.WithMiddleware(outer, dedup.Middleware(shared))))
	}
	pub := e.client()
	// An odd count: a broker that alternates between members sends
	// each copy to the member that did not handle the first.
	ids := []string{"s-1", "s-2", "s-3", "s-4", "s-5"}
	publish := func() {
		for _, id := range ids {
			// No key: the copies spread over partitions/queues, so over members.
			if err := pub.Publish(e.ctx, topic, &mq.Message{ID: id, Body: []byte(`{}`)}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	publish()
	// Settled outside the middleware: the shared store has marked them
	// (the handler's return alone comes before the mark, and a copy
	// reaching the other member in between would run again).
	all.WaitDone(e.t, e.h.Wait, ids...)
	publish() // the copies, as a producer's retries bring them
	all.WaitFor(e.t, e.h.Wait, "every copy settled", func(ds []mqtest.Delivery) bool {
		n := 0
		for _, d := range ds {
			if d.Done() {
				n++
			}
		}
		return n >= 2*len(ids)
	})
	ran.ExpectExactlyOnce(e.t, e.h.Quiet, ids...)
	other := 0
	for _, id := range ids {
		if ds := all.Of(id); len(ds) == 2 && ds[0].Label != ds[1].Label {
			other++
		}
	}
	e.t.Logf("%d of %d copies reached the other member and were skipped there", other, len(ids))
}
