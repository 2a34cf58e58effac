package typed_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type item struct {
	SKU string `json:"sku"`
	N   int    `json:"n"`
}

func TestPublisherMessage(t *testing.T) {
	p := typed.NewPublisher[item](nil, "items", typed.JSON)
	orig := &mq.Message{ID: "i-1", Key: "k", Tag: "t", Headers: map[string]string{"trace": "x"}}
	m, err := p.Message(item{SKU: "a", N: 2}, orig)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Body) != `{"sku":"a","n":2}` || m.Header(typed.HeaderContentType) != "application/json" ||
		m.ID != "i-1" || m.Key != "k" || m.Tag != "t" || m.Header("trace") != "x" {
		t.Fatalf("message %+v", m)
	}
	if orig.Body != nil || len(orig.Headers) != 1 {
		t.Fatalf("Message changed the caller's message: %+v", orig)
	}
	if m, err := p.Message(item{}, nil); err != nil || m.Header(typed.HeaderContentType) != "application/json" {
		t.Fatalf("nil message: %v, %v", m, err)
	}
	// A content type the codec reads is kept as the caller wrote it.
	m, err = p.Message(item{}, &mq.Message{Headers: map[string]string{typed.HeaderContentType: "application/json; charset=utf-8"}})
	if err != nil || m.Header(typed.HeaderContentType) != "application/json; charset=utf-8" {
		t.Fatalf("compatible content type: %v, %v", m, err)
	}
}

func TestPublisherRefuses(t *testing.T) {
	ctx := context.Background()
	p := typed.NewPublisher[item](nil, "items", typed.JSON)
	for name, m := range map[string]*mq.Message{
		"a body already":       {Body: []byte("x")},
		"another content type": {Headers: map[string]string{typed.HeaderContentType: "text/plain"}},
	} {
		if _, err := p.Message(item{}, m); !errors.Is(err, mq.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	_, err := typed.NewPublisher[chan int](nil, "x", typed.JSON).Message(make(chan int), nil)
	var jerr *json.UnsupportedTypeError
	if !errors.Is(err, mq.ErrInvalidArgument) || !errors.As(err, &jerr) {
		t.Errorf("unencodable value: %v, want ErrInvalidArgument wrapping the codec's error", err)
	}
	if _, err := typed.NewPublisher[item](nil, "x", nil).Message(item{}, nil); !errors.Is(err, mq.ErrInvalidArgument) {
		t.Errorf("nil codec: %v", err)
	}
	if err := p.Publish(ctx, item{}, nil); !errors.Is(err, mq.ErrInvalidArgument) {
		t.Errorf("nil client: %v", err)
	}
}

// A failed publish leaves the caller's message as it was, so it can be
// published again; a confirmed one reports the broker's fields.
func TestPublishRetryable(t *testing.T) {
	ctx := context.Background()
	c, err := mq.Open(ctx, "memory://typed-retry")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	p := typed.NewPublisher[item](c, "items", typed.JSON)
	m := &mq.Message{Key: "k"}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Publish(canceled, item{N: 1}, m); err == nil {
		t.Fatal("publish with a canceled ctx succeeded")
	}
	if err := p.Publish(ctx, item{N: 1}, m); err != nil {
		t.Fatalf("second publish of the same message: %v", err)
	}
	if m.BrokerID == "" || m.Offset < 0 || m.Body != nil {
		t.Fatalf("after a confirmed publish: broker id %q offset %d body %q", m.BrokerID, m.Offset, m.Body)
	}
}

// handle runs h on a hand-made message, as a Subscriber would.
func handle(h mq.Handler, ct string, body string) error {
	m := &mq.Message{ID: "m", Body: []byte(body)}
	if ct != "" {
		m.SetHeader(typed.HeaderContentType, ct)
	}
	return h(context.Background(), m)
}

func TestHandleDecodes(t *testing.T) {
	var got []item
	h := typed.Handle(typed.JSON, func(_ context.Context, v item, _ *mq.Message) error {
		got = append(got, v)
		return nil
	})
	for _, ct := range []string{"application/json", "Application/JSON ; charset=UTF-8", ""} {
		if err := handle(h, ct, `{"sku":"a","n":1}`); err != nil {
			t.Errorf("content type %q: %v", ct, err)
		}
	}
	if len(got) != 3 || got[2] != (item{SKU: "a", N: 1}) {
		t.Fatalf("decoded %+v", got)
	}
}

// A pointer type parameter gets a new value for each message.
func TestHandlePointerType(t *testing.T) {
	var got []*item
	h := typed.Handle(typed.JSON, func(_ context.Context, v *item, _ *mq.Message) error {
		got = append(got, v)
		return nil
	})
	for _, b := range []string{`{"n":1}`, `{"sku":"b"}`} {
		if err := handle(h, "application/json", b); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] == got[1] || *got[0] != (item{N: 1}) || *got[1] != (item{SKU: "b"}) {
		t.Fatalf("decoded %+v %+v", got[0], got[1])
	}
}

func TestHandleRefuses(t *testing.T) {
	called := false
	h := typed.Handle(typed.JSON, func(context.Context, item, *mq.Message) error { called = true; return nil })
	for _, c := range []struct {
		name, ct, body string
		codecErr       bool
		reason         string
	}{
		{"foreign content type", "text/plain", `{"n":1}`, false, `content type "text/plain" is not "application/json", the codec's for typed_test.item`},
		{"body that does not decode", "application/json", `{"n":"one"}`, true, "decoding application/json body into typed_test.item"},
		{"truncated body", "", `{"n":1`, true, "unexpected end of JSON input"},
	} {
		err := handle(h, c.ct, c.body)
		var de *typed.DecodeError
		switch {
		case !mq.IsNoRetry(err):
			t.Errorf("%s: %v is not NoRetry: it would be retried", c.name, err)
		case !errors.Is(err, typed.ErrDecode) || !errors.As(err, &de):
			t.Errorf("%s: %v does not match ErrDecode / *DecodeError", c.name, err)
		case (de.Err != nil) != c.codecErr || de.ContentType != c.ct || de.Want != "application/json":
			t.Errorf("%s: %+v", c.name, de)
		case !strings.Contains(err.Error(), c.reason):
			t.Errorf("%s: reason %q lacks %q", c.name, err, c.reason)
		}
	}
	if called {
		t.Fatal("the handler ran for a message that does not decode")
	}
}

// The handler's own error is returned as is: retried unless it says
// NoRetry.
func TestHandleKeepsHandlerError(t *testing.T) {
	boom := errors.New("boom")
	h := typed.Handle(typed.JSON, func(context.Context, item, *mq.Message) error { return boom })
	if err := handle(h, "application/json", `{}`); err != boom {
		t.Fatalf("got %v, want the handler's error", err)
	}
}

func TestSubscribeRefusesNil(t *testing.T) {
	ctx := context.Background()
	c, err := mq.Open(ctx, "memory://typed-nil")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	noop := func(context.Context, item, *mq.Message) error { return nil }
	if _, err := typed.Subscribe(ctx, c, "t", nil, noop); !errors.Is(err, mq.ErrInvalidArgument) {
		t.Errorf("nil codec: %v", err)
	}
	if _, err := typed.Subscribe[item](ctx, c, "t", typed.JSON, nil); !errors.Is(err, mq.ErrInvalidArgument) {
		t.Errorf("nil handler: %v", err)
	}
	if _, err := typed.Subscribe(ctx, nil, "t", typed.JSON, noop); !errors.Is(err, mq.ErrInvalidArgument) {
		t.Errorf("nil client: %v", err)
	}
}
