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
	ran.WaitDone(e.t, e.h.Wait, "dup-1")
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
