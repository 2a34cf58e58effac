package typed_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed"
)

type created struct{ ID int }
type paid struct{ Amount string }

func tagged(tag, body string) *mq.Message {
	return &mq.Message{Tag: tag, Body: []byte(body), Headers: map[string]string{typed.HeaderContentType: "application/json"}}
}

func TestRouterRoutes(t *testing.T) {
	var got []string
	r := typed.NewRouter(typed.JSON, typed.DeadLetterUnknown)
	typed.On(r, "created", func(_ context.Context, v created, _ *mq.Message) error {
		got = append(got, fmt.Sprint("created ", v.ID))
		return nil
	})
	typed.On(r, "paid", func(_ context.Context, v paid, _ *mq.Message) error {
		got = append(got, "paid "+v.Amount)
		return nil
	})
	typed.On(r, "", func(_ context.Context, v created, _ *mq.Message) error {
		got = append(got, fmt.Sprint("untagged ", v.ID))
		return nil
	})
	h := r.Handler()
	ctx := context.Background()
	for _, m := range []*mq.Message{tagged("created", `{"ID":1}`), tagged("paid", `{"Amount":"2.50"}`), tagged("", `{"ID":3}`)} {
		if err := h(ctx, m); err != nil {
			t.Fatalf("%s: %v", m.Tag, err)
		}
	}
	if want := []string{"created 1", "paid 2.50", "untagged 3"}; !slices.Equal(got, want) {
		t.Fatalf("routed %q, want %q", got, want)
	}
	if tags := r.Tags(); !slices.Equal(tags, []string{"", "created", "paid"}) {
		t.Fatalf("Tags() = %q", tags)
	}
	// Each route decodes as its own type: a route's bad body is a decode error.
	if err := h(ctx, tagged("paid", `{"Amount":2}`)); !errors.Is(err, typed.ErrDecode) || !mq.IsNoRetry(err) {
		t.Fatalf("bad body on a route: %v", err)
	}
}

func TestRouterUnknownTags(t *testing.T) {
	ctx := context.Background()
	ack := typed.NewRouter(typed.JSON, typed.AckUnknown)
	if err := ack.Handler()(ctx, tagged("refunded", `{}`)); err != nil {
		t.Fatalf("AckUnknown: %v, want nil (acknowledged)", err)
	}
	dl := typed.NewRouter(typed.JSON, typed.DeadLetterUnknown)
	err := dl.Handler()(ctx, tagged("refunded", `{}`))
	if !errors.Is(err, typed.ErrUnknownTag) || !mq.IsNoRetry(err) {
		t.Fatalf("DeadLetterUnknown: %v, want NoRetry(ErrUnknownTag)", err)
	}
}

func TestRouterMisuse(t *testing.T) {
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", what)
			}
		}()
		f()
	}
	r := typed.NewRouter(typed.JSON, typed.AckUnknown)
	noop := func(context.Context, created, *mq.Message) error { return nil }
	typed.On(r, "a", noop)
	mustPanic("a tag routed twice", func() { typed.On(r, "a", noop) })
	mustPanic("a nil handler", func() { typed.On[created](r, "b", nil) })
	mustPanic("a nil codec", func() { typed.NewRouter(nil, typed.AckUnknown) })
	mustPanic("the zero Unknown", func() { typed.NewRouter(typed.JSON, 0) })
}

// Routes added while messages are handled (run with -race).
func TestRouterConcurrentOn(t *testing.T) {
	r := typed.NewRouter(typed.JSON, typed.AckUnknown)
	h := r.Handler()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if err := h(context.Background(), tagged(fmt.Sprint("t", j%20), `{"ID":1}`)); err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
			}
		}()
	}
	for j := range 20 {
		typed.On(r, fmt.Sprint("t", j), func(context.Context, created, *mq.Message) error { return nil })
	}
	wg.Wait()
	if n := len(r.Tags()); n != 20 {
		t.Fatalf("%d routes, want 20", n)
	}
}
