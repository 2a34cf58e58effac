package typedtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

type test struct {
	name string
	fn   func(e *env)
}

var tests = []test{
	{"RoundTripJSON", testRoundTripJSON},
	{"RoundTripProto", testRoundTripProto},
	{"DecodeFailure", testDecodeFailure},
	{"Router", testRouter},
	{"Dedup", testDedup},
	{"DedupSharedStore", testDedupSharedStore},
}

// TestNames returns the names of Run's subtests.
func TestNames() []string {
	out := make([]string, len(tests))
	for i, tc := range tests {
		out[i] = tc.name
	}
	return out
}

// Run runs the suite against the backend h reaches, one parallel subtest
// per behaviour, then checks for goroutine leaks. Do not run other tests of
// the package in parallel with it.
func Run(t *testing.T, h Harness) {
	if h.Open == nil {
		t.Fatal("typedtest: Harness.Open is nil")
	}
	h = h.withDefaults()
	leakOpts := append([]goleak.Option{goleak.IgnoreCurrent()}, h.IgnoreGoroutines...)
	t.Cleanup(func() {
		if !t.Failed() {
			goleak.VerifyNone(t, leakOpts...)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 4*h.Wait+time.Minute)
			defer cancel()
			tc.fn(&env{t: t, h: &h, ctx: ctx})
		})
	}
}

// env is what one subtest works with.
type env struct {
	t   *testing.T
	h   *Harness
	ctx context.Context
}

func (e *env) topic() string {
	e.t.Helper()
	if e.h.NewTopic != nil {
		return e.h.NewTopic(e.ctx, e.t)
	}
	return mqtest.UniqueName("unimq-typed")
}

func (e *env) group() string { return mqtest.UniqueName("g-typed") }

// client opens a client closed at the end of the subtest.
func (e *env) client() *mq.Client {
	e.t.Helper()
	c, err := e.h.Open(e.ctx, e.t)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		if err := c.Close(ctx); err != nil && !errors.Is(err, mq.ErrClosed) {
			e.t.Errorf("client Close: %v", err)
		}
	})
	return c
}

// closing closes s at the end of the subtest (before its client).
func (e *env) closing(s *mq.Subscriber, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("subscribe: %v", err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		if err := s.Close(ctx); err != nil && !errors.Is(err, mq.ErrClosed) {
			e.t.Errorf("subscriber Close: %v", err)
		}
	})
}

// raw returns the harness's raw reader of topic, or nil.
func (e *env) raw(topic string) <-chan RawMessage {
	if e.h.Raw == nil {
		return nil
	}
	return e.h.Raw(e.ctx, e.t, topic)
}

// rawOne waits for the raw client's first message whose body is body.
func (e *env) rawOne(ch <-chan RawMessage, body []byte) RawMessage {
	e.t.Helper()
	timer := time.NewTimer(e.h.Wait)
	defer timer.Stop()
	for {
		select {
		case m := <-ch:
			if string(m.Body) == string(body) {
				return m
			}
		case <-timer.C:
			e.t.Fatalf("the broker's own client did not read the message within %v", e.h.Wait)
		}
	}
}
