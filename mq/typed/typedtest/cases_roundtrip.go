package typedtest

import (
	"encoding/json"
	"reflect"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
	"github.com/unimq/unimq/mq/typed/protocodec"
)

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
