package mqtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unimq/unimq/mq"
)

// testInputRules: what a caller puts in a message or a topic name is either
// refused with the right code before anything is sent, or carried
// byte-exact; never altered (mq's input rules, see mq.MaxTagLen and the
// package documentation, plus the backend's declared topic rule).
//
//   - control characters and invalid UTF-8 in ID, Key, Tag and header names,
//     invalid UTF-8 in header values, reserved header names (unimq-*, any
//     case), a Tag over mq.MaxTagLen: ErrInvalidArgument on every backend;
//   - control characters in header values: refused with ErrInvalidArgument
//     where the backend cannot carry them, else carried byte-exact;
//   - Unicode in every field, a Tag of mq.MaxTagLen bytes, a header name of
//     mq.MaxHeaderNameLen bytes: carried byte-exact;
//   - a message of exactly MaxMessageSize bytes is carried, one byte more
//     is ErrTooLarge (the backend's limit, and a limit set at Open);
//   - topic names the backend's rule (Capabilities().Topics) refuses are
//     ErrInvalidArgument on Publish, Subscribe and NewConsumer; the longest
//     name it allows works end to end.
func testInputRules(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))
	h := func(k, v string) map[string]string { return map[string]string{k: v} }

	refused := []struct {
		what string
		m    *mq.Message
	}{
		{"ID with a newline", &mq.Message{ID: "ir-\n"}},
		{"ID with RocketMQ's property separators", &mq.Message{ID: "x\x02TRAN_MSG\x01true"}},
		{"ID with invalid UTF-8", &mq.Message{ID: "ir-\xff"}},
		{"Key with RocketMQ's property separators", &mq.Message{ID: "ir-r1", Key: "k\x02DELAY\x013"}},
		{"Key with a tab", &mq.Message{ID: "ir-r2", Key: "k\tk"}},
		{"Key with invalid UTF-8", &mq.Message{ID: "ir-r3", Key: "k\xc3"}},
		{"Tag with a control character", &mq.Message{ID: "ir-r4", Tag: "t\x01TAGS"}},
		{"Tag with invalid UTF-8", &mq.Message{ID: "ir-r5", Tag: "t\xfe"}},
		{"Tag over MaxTagLen", &mq.Message{ID: "ir-r6", Tag: strings.Repeat("t", mq.MaxTagLen+1)}},
		{"header name with a newline", &mq.Message{ID: "ir-r7", Headers: h("a\nb", "v")}},
		{"header name with NUL", &mq.Message{ID: "ir-r8", Headers: h("a\x00", "v")}},
		{"header name with invalid UTF-8", &mq.Message{ID: "ir-r9", Headers: h("h\xff", "v")}},
		{"header name over MaxHeaderNameLen", &mq.Message{ID: "ir-r10", Headers: h(strings.Repeat("h", mq.MaxHeaderNameLen+1), "v")}},
		{"reserved header unimq-attempt", &mq.Message{ID: "ir-r11", Headers: h("unimq-attempt", "9")}},
		{"reserved header UNIMQ-ID", &mq.Message{ID: "ir-r12", Headers: h("UNIMQ-ID", "forged")}},
		{"reserved header Unimq-Dead-Reason", &mq.Message{ID: "ir-r13", Headers: h("Unimq-Dead-Reason", "x")}},
		{"header value with invalid UTF-8", &mq.Message{ID: "ir-r14", Headers: h("h", "v\xff")}},
	}
	for _, r := range refused {
		e.noPanic(r.what, func() {
			e.isErr(c.Publish(e.ctx, topic, r.m), mq.ErrInvalidArgument, "Publish, "+r.what)
			e.isErr(c.PublishBatch(e.ctx, topic, []*mq.Message{msg("ir-batch-ok"), r.m}), mq.ErrInvalidArgument, "PublishBatch, "+r.what)
		})
	}

	carried := []*mq.Message{
		{ID: "ir-unicode-ïд标", Key: "ключ-✓", Tag: "标签.ü", Body: []byte("body"), Headers: h("名前-ü", "値 ✓ grüße")},
		{ID: "ir-tag-max", Tag: strings.Repeat("t", mq.MaxTagLen), Body: []byte("x")},
		{ID: "ir-header-name-max", Headers: h(strings.Repeat("h", mq.MaxHeaderNameLen), "v"), Body: []byte("x")},
		{ID: "ir-header-name-unimq-inside", Headers: h("x-unimq-trace", "v"), Body: []byte("x")},
	}
	maybe := []*mq.Message{
		{ID: "ir-value-newline", Headers: h("trace", "line1\nline2\r\n"), Body: []byte("x")},
		{ID: "ir-value-tab", Headers: h("trace", "a\tb"), Body: []byte("x")},
		{ID: "ir-value-separators", Headers: h("trace", "a\x01b\x02c"), Body: []byte("x")},
		{ID: "ir-value-nul", Headers: h("trace", "a\x00b"), Body: []byte("x")},
	}
	want := append([]*mq.Message(nil), carried...)
	for _, m := range carried {
		e.publish(c, topic, copyMsg(m))
	}
	for _, m := range maybe {
		err := c.Publish(e.ctx, topic, copyMsg(m))
		switch {
		case err == nil:
			want = append(want, m)
		case errors.Is(err, mq.ErrInvalidArgument):
			e.t.Logf("%s refused: %v", m.ID, err)
		default:
			e.t.Errorf("%s: %v (code %v): want nil (carried byte-exact) or ErrInvalidArgument", m.ID, err, mq.CodeOf(err))
		}
	}
	wantIDs := make([]string, len(want))
	for i, m := range want {
		wantIDs[i] = m.ID
	}
	col.WaitDone(e.t, e.h.Wait, wantIDs...)
	for _, m := range want {
		if ds := col.Of(m.ID); len(ds) > 0 {
			e.sameMessage(m, ds[0].Msg)
		}
	}
	col.Never(e.t, e.h.Quiet, "a refused message was delivered", func(ds []Delivery) bool {
		for _, d := range ds {
			if strings.HasPrefix(d.Msg.ID, "ir-r") || !strings.HasPrefix(d.Msg.ID, "ir-") {
				return true
			}
		}
		return false
	})

	e.checkSizes(topic, col)
	e.checkTopicNames(c)
}

func copyMsg(m *mq.Message) *mq.Message {
	cp := *m
	if m.Headers != nil {
		cp.Headers = make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			cp.Headers[k] = v
		}
	}
	return &cp
}

// sameMessage fails the test unless got carries want's ID, Key, Tag, Body
// and headers byte-exact, and no header of its own besides reserved ones.
func (e *env) sameMessage(want, got *mq.Message) {
	e.t.Helper()
	if got.ID != want.ID || got.Key != want.Key || got.Tag != want.Tag {
		e.t.Errorf("%q: ID %q Key %q Tag %q, want %q %q %q", want.ID, got.ID, got.Key, got.Tag, want.ID, want.Key, want.Tag)
	}
	if !bytes.Equal(got.Body, want.Body) {
		e.t.Errorf("%q: body %q, want %q", want.ID, got.Body, want.Body)
	}
	for k, v := range want.Headers {
		if gv, ok := got.Headers[k]; !ok || gv != v {
			e.t.Errorf("%q: header %q = %q (present %v), want %q", want.ID, k, gv, ok, v)
		}
	}
	for k := range got.Headers {
		if _, sent := want.Headers[k]; !sent && !strings.HasPrefix(strings.ToLower(k), mq.ReservedHeaderPrefix) {
			e.t.Errorf("%q: header %q arrived but was not sent", want.ID, k)
		}
	}
}

// checkSizes: exactly the limit is carried, one byte more is ErrTooLarge,
// for the backend's own limit (when it declares one) and for a limit set
// at Open.
func (e *env) checkSizes(topic string, col *Collector) {
	at := func(c *mq.Client, id string, max int) {
		m := &mq.Message{ID: id, Body: bytes.Repeat([]byte{'s'}, max-len(id))}
		e.publish(c, topic, m)
		over := &mq.Message{ID: id + "-over", Body: bytes.Repeat([]byte{'s'}, max-len(id)+1)}
		e.isErr(c.Publish(e.ctx, topic, over), mq.ErrTooLarge, fmt.Sprintf("Publish of %d bytes (limit %d)", max+1, max))
		col.WaitDone(e.t, e.h.Wait, id)
		if got := col.Of(id)[0].Msg.Body; !bytes.Equal(got, m.Body) {
			e.t.Errorf("message of exactly %d bytes: body of %d bytes arrived", max, len(got))
		}
	}
	if max := e.caps.MaxMessageSize; max > 0 && max <= 16<<20 {
		at(e.client(), "ir-size-backend", max)
	} else {
		e.t.Logf("backend limit %d not tried (none, or over 16 MiB)", max)
	}
	at(e.client(mq.MaxMessageSize(4096)), "ir-size-open", 4096)
}

// checkTopicNames: names the backend's rule refuses are ErrInvalidArgument
// everywhere a topic is given; the longest name it allows works.
func (e *env) checkTopicNames(c *mq.Client) {
	rule := e.caps.Topics
	bad := []string{"", "a b", "a\nb", "a\x00b", "a\u00a0b", "t\xff"}
	if rule.MaxLen > 0 {
		bad = append(bad, strings.Repeat("t", rule.MaxLen+1))
	}
	if !rule.Any {
		bad = append(bad, "a/b", "grüße")
		for _, ch := range ".%|:" {
			if !strings.ContainsRune(rule.Extra, ch) {
				bad = append(bad, "a"+string(ch)+"b")
			}
		}
	}
	if rule.DotNames {
		bad = append(bad, ".", "..")
	}
	h := func(context.Context, *mq.Message) error { return nil }
	for _, tp := range bad {
		e.isErr(c.Publish(e.ctx, tp, msg("ir-bad-topic")), mq.ErrInvalidArgument, fmt.Sprintf("Publish to topic %q (%s)", tp, rule.Describe()))
		s, err := c.Subscribe(e.ctx, tp, h, mq.Group(e.group()))
		if err == nil {
			_ = s.Close(e.ctx)
		}
		e.isErr(err, mq.ErrInvalidArgument, fmt.Sprintf("Subscribe to topic %q", tp))
		if e.has(mq.CapPull) {
			k, err := c.NewConsumer(e.ctx, tp, mq.Group(e.group()))
			if err == nil {
				_ = k.Close(e.ctx)
			}
			e.isErr(err, mq.ErrInvalidArgument, fmt.Sprintf("NewConsumer on topic %q", tp))
		}
	}

	n := rule.MaxLen
	if n == 0 {
		n = 300
	}
	long := UniqueName("ir-long")
	long += strings.Repeat("x", n-len(long))
	g := e.group()
	// At the rule's limit a backend may still refuse the topic up front
	// because a name it derives from it (a group's queue, a retry topic)
	// would be over the limit: that is a refusal with the right code, not an
	// alteration. Anything else must work end to end.
	derived := func(what string, err error) bool {
		if errors.Is(err, mq.ErrInvalidArgument) {
			e.t.Logf("%s of a topic of %d bytes refused up front (a derived name is over the limit): %v", what, n, err)
			return true
		}
		return false
	}
	if err := c.Declare(e.ctx, long, g); err != nil && !errors.Is(err, mq.ErrUnsupported) {
		if !derived("Declare", err) {
			e.t.Errorf("Declare of a topic of %d bytes (%s): %v", n, rule.Describe(), err)
		}
		return
	}
	col := NewCollector()
	s, err := c.Subscribe(e.ctx, long, col.Handler("long", nil), mq.Group(g))
	if err != nil {
		if !derived("Subscribe", err) {
			e.t.Errorf("Subscribe to a topic of %d bytes (%s): %v", n, rule.Describe(), err)
		}
		return
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		_ = s.Close(ctx)
	})
	e.publish(c, long, msg("ir-long-topic"))
	col.WaitDone(e.t, e.h.Wait, "ir-long-topic")
	if got := col.Of("ir-long-topic")[0].Msg.Topic; got != long {
		e.t.Errorf("a topic of %d bytes arrived as Topic %q", n, got)
	}
}
