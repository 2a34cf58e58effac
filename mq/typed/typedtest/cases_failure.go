package typedtest

import (
	"reflect"
	"strings"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
)

// testDecodeFailure: a body that does not decode, and a content type other
// than the codec's, are dead-lettered after one attempt with the decode
// error as reason; the handler never sees them. A good message and one
// without a content type (a plain producer's) are handled.
func testDecodeFailure(e *env) {
	c := e.client()
	topic, dlq := e.topic(), e.topic()
	g := e.group()
	dead := mqtest.NewCollector()
	e.closing(c.Subscribe(e.ctx, dlq, dead.Handler("dlq", nil), mq.Group(e.group())))
	col, vals := mqtest.NewCollector(), &values[order]{}
	e.closing(typed.Subscribe(e.ctx, c, topic, typed.JSON, record(vals, col), mq.Group(g),
		mq.MaxAttempts(5), mq.DeadLetterTopic(dlq), mq.WithBackoff(mq.ConstantBackoff(50*time.Millisecond))))

	for _, m := range []*mq.Message{
		{ID: "bad-body", Body: []byte(`{"id": "seven"`), Headers: map[string]string{typed.HeaderContentType: "application/json"}},
		{ID: "bad-type", Body: []byte(`{"id": 1}`), Headers: map[string]string{typed.HeaderContentType: "text/plain"}},
		{ID: "good", Body: []byte(`{"id": 2}`), Headers: map[string]string{typed.HeaderContentType: "application/json; charset=utf-8"}},
		{ID: "no-type", Body: []byte(`{"id": 3}`)},
	} {
		if err := c.Publish(e.ctx, topic, m); err != nil {
			e.t.Fatalf("publish %s: %v", m.ID, err)
		}
	}
	dead.WaitDone(e.t, e.h.Wait, "bad-body", "bad-type")
	col.WaitDone(e.t, e.h.Wait, "good", "no-type")
	dead.ExpectExactlyOnce(e.t, e.h.Quiet, "bad-body", "bad-type")
	if n := len(col.Of("bad-body")) + len(col.Of("bad-type")); n != 0 {
		e.t.Errorf("the typed handler ran %d times for messages that do not decode", n)
	}
	if got := vals.of("good"); len(got) != 1 || got[0].ID != 2 {
		e.t.Errorf("good message decoded as %+v", got)
	}
	for id, want := range map[string]string{"bad-body": "typed: decoding application/json body into typedtest.order", "bad-type": `typed: content type "text/plain" is not "application/json"`} {
		m := dead.Of(id)[0].Msg
		if r := m.Header(driver.HeaderDeadReason); !strings.Contains(r, want) {
			e.t.Errorf("%s: dead-letter reason %q, want it to contain %q", id, r, want)
		}
		if a := m.Header(driver.HeaderDeadAttempts); a != "1" {
			e.t.Errorf("%s: dead-lettered after %s attempts, want 1 (no retries)", id, a)
		}
		if gr := m.Header(driver.HeaderDeadGroup); gr != g {
			e.t.Errorf("%s: dead-letter group %q, want %q", id, gr, g)
		}
	}
}

// testRouter: one subscription runs a typed handler per tag; a tag with no
// route is dead-lettered at once (DeadLetterUnknown).
func testRouter(e *env) {
	c := e.client()
	topic, dlq := e.topic(), e.topic()
	dead := mqtest.NewCollector()
	e.closing(c.Subscribe(e.ctx, dlq, dead.Handler("dlq", nil), mq.Group(e.group())))
	col := mqtest.NewCollector()
	orders, payments := &values[order]{}, &values[payment]{}
	r := typed.NewRouter(typed.JSON, typed.DeadLetterUnknown)
	typed.On(r, "created", record(orders, col))
	typed.On(r, "paid", record(payments, col))
	e.closing(c.Subscribe(e.ctx, topic, r.Handler(), mq.Group(e.group()), mq.MaxAttempts(5), mq.DeadLetterTopic(dlq)))

	po, pp := typed.NewPublisher[order](c, topic, typed.JSON), typed.NewPublisher[payment](c, topic, typed.JSON)
	if err := po.Publish(e.ctx, order{ID: 1, Item: "pen"}, &mq.Message{ID: "r-created", Tag: "created"}); err != nil {
		e.t.Fatal(err)
	}
	if err := pp.Publish(e.ctx, payment{Order: 1, Amount: "2.50"}, &mq.Message{ID: "r-paid", Tag: "paid"}); err != nil {
		e.t.Fatal(err)
	}
	if err := po.Publish(e.ctx, order{ID: 1}, &mq.Message{ID: "r-refunded", Tag: "refunded"}); err != nil {
		e.t.Fatal(err)
	}
	col.WaitDone(e.t, e.h.Wait, "r-created", "r-paid")
	dead.WaitDone(e.t, e.h.Wait, "r-refunded")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "r-created", "r-paid")
	if got := orders.of("r-created"); len(got) != 1 || !reflect.DeepEqual(got[0], order{ID: 1, Item: "pen"}) {
		e.t.Errorf("created route decoded %+v", got)
	}
	if got := payments.of("r-paid"); len(got) != 1 || got[0] != (payment{Order: 1, Amount: "2.50"}) {
		e.t.Errorf("paid route decoded %+v", got)
	}
	m := dead.Of("r-refunded")[0].Msg
	if reason := m.Header(driver.HeaderDeadReason); !strings.Contains(reason, typed.ErrUnknownTag.Error()) || m.Header(driver.HeaderDeadAttempts) != "1" {
		e.t.Errorf("unknown tag dead-lettered with reason %q after %s attempts, want %q after 1", reason, m.Header(driver.HeaderDeadAttempts), typed.ErrUnknownTag)
	}
}
