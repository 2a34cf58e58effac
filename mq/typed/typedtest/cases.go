package typedtest

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/dedup"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
	"github.com/unimq/unimq/mq/typed/protocodec"
)

// order and payment are the values the suite sends.
type order struct {
	ID   int      `json:"id"`
	Item string   `json:"item"`
	Tags []string `json:"tags,omitempty"`
}

type payment struct {
	Order  int    `json:"order"`
	Amount string `json:"amount"`
}

// values records decoded values by message ID.
type values[T any] struct {
	mu sync.Mutex
	m  map[string][]T
}

func (v *values[T]) add(id string, x T) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][]T{}
	}
	v.m[id] = append(v.m[id], x)
}

func (v *values[T]) of(id string) []T {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m[id]
}

// record returns a typed handler that keeps the value and records the
// message in col.
func record[T any](vals *values[T], col *mqtest.Collector) typed.Handler[T] {
	return func(ctx context.Context, x T, m *mq.Message) error {
		vals.add(m.ID, x)
		return col.Handler("typed", nil)(ctx, m)
	}
}

// testRoundTripJSON: a value published with the JSON codec arrives equal,
// with its metadata and the content type; the broker's own client sees the
// content type in its native place and the JSON as the body.
func testRoundTripJSON(e *env) {
	c := e.client()
	topic := e.topic()
	raw := e.raw(topic)
	col, vals := mqtest.NewCollector(), &values[order]{}
	e.closing(typed.Subscribe(e.ctx, c, topic, typed.JSON, record(vals, col), mq.Group(e.group())))

	want := order{ID: 7, Item: "книга \"quoted\"", Tags: []string{"gift", "express"}}
	m := &mq.Message{ID: "typed-json", Key: "order-7", Tag: "created", Headers: map[string]string{"trace": "t-1"}}
	if err := typed.NewPublisher[order](c, topic, typed.JSON).Publish(e.ctx, want, m); err != nil {
		e.t.Fatalf("publish: %v", err)
	}
	if len(m.Body) != 0 || m.Header(typed.HeaderContentType) != "" {
		e.t.Errorf("Publish changed the caller's message: body %q, content type %q", m.Body, m.Header(typed.HeaderContentType))
	}
	col.WaitDone(e.t, e.h.Wait, "typed-json")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "typed-json")
	if got := vals.of("typed-json"); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		e.t.Errorf("decoded %+v, want [%+v]", got, want)
	}
	wantBody, _ := json.Marshal(want)
	got := col.Of("typed-json")[0].Msg
	if ct := got.Header(typed.HeaderContentType); ct != "application/json" {
		e.t.Errorf("received content type %q, want application/json", ct)
	}
	if string(got.Body) != string(wantBody) || got.Key != "order-7" || got.Tag != "created" || got.Header("trace") != "t-1" {
		e.t.Errorf("received body %q key %q tag %q trace %q; want %s, order-7, created, t-1",
			got.Body, got.Key, got.Tag, got.Header("trace"), wantBody)
	}
	if raw != nil {
		if r := e.rawOne(raw, wantBody); r.ContentType != "application/json" {
			e.t.Errorf("the broker's own client sees content type %q, want application/json", r.ContentType)
		}
	}
}

// testRoundTripProto: the same with the Protocol Buffers codec and a
// pointer type parameter.
func testRoundTripProto(e *env) {
	c := e.client()
	topic := e.topic()
	raw := e.raw(topic)
	col, vals := mqtest.NewCollector(), &values[*structpb.Struct]{}
	e.closing(typed.Subscribe(e.ctx, c, topic, protocodec.Codec, record(vals, col), mq.Group(e.group())))

	want, err := structpb.NewStruct(map[string]any{"order": 7.0, "item": "book", "lines": []any{"a", 2.0}, "gift": true})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := typed.NewPublisher[*structpb.Struct](c, topic, protocodec.Codec).Publish(e.ctx, want, &mq.Message{ID: "typed-proto"}); err != nil {
		e.t.Fatalf("publish: %v", err)
	}
	col.WaitDone(e.t, e.h.Wait, "typed-proto")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "typed-proto")
	if got := vals.of("typed-proto"); len(got) != 1 || !proto.Equal(got[0], want) {
		e.t.Errorf("decoded %v, want %v", got, want)
	}
	got := col.Of("typed-proto")[0].Msg
	if ct := got.Header(typed.HeaderContentType); ct != protocodec.ContentType {
		e.t.Errorf("received content type %q, want %q", ct, protocodec.ContentType)
	}
	if raw != nil {
		r := e.rawOne(raw, got.Body)
		if r.ContentType != protocodec.ContentType {
			e.t.Errorf("the broker's own client sees content type %q, want %q", r.ContentType, protocodec.ContentType)
		}
		var fromRaw structpb.Struct
		if err := proto.Unmarshal(r.Body, &fromRaw); err != nil || !proto.Equal(&fromRaw, want) {
			e.t.Errorf("the raw body is not the protobuf encoding of the value: %v (%v)", &fromRaw, err)
		}
	}
}

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
