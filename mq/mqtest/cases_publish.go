package mqtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/unimq/unimq/mq"
)

// testRoundTrip: headers, key, tag and binary body (every byte value, and
// empty) arrive as published, once.
func testRoundTrip(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	sent := []*mq.Message{
		{ID: "rt-binary", Key: "key-1", Tag: "tag1", Body: all,
			Headers: map[string]string{"h1": "v1", "x-two": "value with spaces", "utf8": "grüße ✓"}},
		{ID: "rt-empty", Key: "key-2", Tag: "tag2", Body: nil, Headers: map[string]string{"only": "one"}},
		{ID: "rt-plain", Body: []byte("plain")},
	}
	for _, m := range sent {
		cp := *m
		e.publish(c, topic, &cp)
		if cp.ID != m.ID {
			e.t.Errorf("Publish changed ID %q to %q", m.ID, cp.ID)
		}
	}
	col.WaitDone(e.t, e.h.Wait, "rt-binary", "rt-empty", "rt-plain")
	col.ExpectExactlyOnce(e.t, e.h.Quiet, "rt-binary", "rt-empty", "rt-plain")

	partitions := e.has(mq.CapPartitions)
	for _, want := range sent {
		got := col.Of(want.ID)[0].Msg
		if got.Key != want.Key || got.Tag != want.Tag {
			e.t.Errorf("%s: key %q tag %q, want %q %q", want.ID, got.Key, got.Tag, want.Key, want.Tag)
		}
		if !bytes.Equal(got.Body, want.Body) {
			e.t.Errorf("%s: body %x, want %x", want.ID, got.Body, want.Body)
		}
		for k, v := range want.Headers {
			if gv, ok := got.Headers[k]; !ok || gv != v {
				e.t.Errorf("%s: header %q = %q (present %v), want %q", want.ID, k, gv, ok, v)
			}
		}
		if got.Topic != topic {
			e.t.Errorf("%s: Topic %q, want %q", want.ID, got.Topic, topic)
		}
		if got.Attempt != 1 {
			e.t.Errorf("%s: Attempt %d on first delivery, want 1", want.ID, got.Attempt)
		}
		if partitions && (got.Partition < 0 || got.Offset < 0) {
			e.t.Errorf("%s: backend declares %s but Partition=%d Offset=%d", want.ID, mq.CapPartitions, got.Partition, got.Offset)
		}
	}
	// A handler delivery cannot be acked by hand.
	d := col.Of("rt-plain")[0].Msg
	e.isErr(d.Ack(e.ctx), mq.ErrInvalidArgument, "Ack of a handler delivery")
}

// testBatch: PublishBatch delivers every message once.
func testBatch(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	n := 20
	if max := e.caps.MaxBatch; max > 0 && max < n {
		n = max
	}
	want := ids("batch", n)
	if err := c.PublishBatch(e.ctx, topic, msgs(want)); err != nil {
		e.t.Fatalf("PublishBatch: %v", err)
	}
	if err := c.PublishBatch(e.ctx, topic, nil); err != nil {
		e.t.Errorf("PublishBatch of nothing: %v", err)
	}
	col.WaitDone(e.t, e.h.Wait, want...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
	e.checkBodies(col)
}

// testLargeAndOversize: a message of min(1 MiB, the backend's limit) arrives
// intact; one over the limit is refused with ErrTooLarge before sending.
func testLargeAndOversize(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	size := 1 << 20
	max := e.caps.MaxMessageSize
	if max > 0 && max < size {
		size = max
	}
	const id = "large"
	body := make([]byte, size-len(id))
	for i := range body {
		body[i] = byte(i*7 + i>>8)
	}
	if max > 0 {
		over := &mq.Message{ID: "oversize", Body: make([]byte, max+1)}
		e.isErr(c.Publish(e.ctx, topic, over), mq.ErrTooLarge, "Publish over MaxMessageSize")
		e.isErr(c.PublishBatch(e.ctx, topic, []*mq.Message{msg("batch-ok"), over}), mq.ErrTooLarge, "PublishBatch with one message over MaxMessageSize")
	}
	e.publish(c, topic, &mq.Message{ID: id, Body: body})
	col.WaitDone(e.t, e.h.Wait, id)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, id)
	if got := col.Of(id)[0].Msg.Body; !bytes.Equal(got, body) {
		e.t.Errorf("large message: body of %d bytes differs from the %d sent", len(got), len(body))
	}

	// The limit set at Open applies before anything is sent, whatever the
	// backend's own limit.
	small := e.client(mq.MaxMessageSize(1024))
	if got := small.Capabilities().MaxMessageSize; got != 1024 {
		e.t.Errorf("MaxMessageSize(1024): Capabilities().MaxMessageSize = %d", got)
	}
	e.isErr(small.Publish(e.ctx, topic, &mq.Message{ID: "over-1024", Body: make([]byte, 1025)}), mq.ErrTooLarge, "Publish of 1025 bytes with MaxMessageSize(1024)")
	col.Never(e.t, e.h.Quiet, "a refused message was delivered", func(ds []Delivery) bool {
		for _, d := range ds {
			if d.Msg.ID != id {
				return true
			}
		}
		return false
	})
}

// testConcurrentPublishers: 8 goroutines x 50 messages, all received once.
func testConcurrentPublishers(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))

	const workers, each = 8, 50
	var all []string
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		mine := ids(fmt.Sprintf("p%d", w), each)
		all = append(all, mine...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, m := range msgs(mine) {
				if err := c.Publish(e.ctx, topic, m); err != nil {
					errs <- fmt.Errorf("publish %s: %w", m.ID, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	col.WaitDone(e.t, e.h.Wait, all...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, all...)
	e.checkBodies(col)
}

// testAsyncAndOneWay: PublishAsync calls back once per message, PublishFuture
// resolves, PublishOneWay sends; Close waits for outstanding callbacks.
// Undeclared modes fail with ErrUnsupported and send nothing.
func testAsyncAndOneWay(e *env) {
	c := e.client()
	topic := e.topic()
	col := NewCollector()
	e.subscribe(c, topic, col.Handler("s", nil), mq.Group(e.group()))
	var want []string

	if e.has(mq.CapAsyncPublish) {
		async := ids("async", 10)
		var calls sync.Map
		var wg sync.WaitGroup
		for _, m := range msgs(async) {
			wg.Add(1)
			err := c.PublishAsync(e.ctx, topic, m, func(m *mq.Message, err error) {
				n, _ := calls.LoadOrStore(m.ID, new(atomic.Int32))
				if n.(*atomic.Int32).Add(1) == 1 {
					if err != nil {
						e.t.Errorf("async %s: %v", m.ID, err)
					} else if e.has(mq.CapPartitions) && m.BrokerID == "" {
						e.t.Errorf("async %s: confirmed without the broker's id (partition %d, offset %d)", m.ID, m.Partition, m.Offset)
					}
					wg.Done()
				}
			})
			if err != nil {
				e.t.Fatalf("PublishAsync %s: %v", m.ID, err)
			}
		}
		f := c.PublishFuture(e.ctx, topic, msg("future"))
		if err := f.Wait(e.waitCtx(e.h.Wait)); err != nil {
			e.t.Fatalf("PublishFuture: %v", err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-e.waitCtx(e.h.Wait).Done():
			e.t.Fatalf("PublishAsync callbacks not all called within %v", e.h.Wait)
		}
		want = append(append(want, async...), "future")
		col.WaitDone(e.t, e.h.Wait, want...)
		calls.Range(func(k, v any) bool {
			if n := v.(*atomic.Int32).Load(); n != 1 {
				e.t.Errorf("async %v: callback called %d times", k, n)
			}
			return true
		})

		// Close waits for the callbacks of what is still in flight.
		c2 := e.client()
		var pending, called atomic.Int32
		for _, m := range msgs(ids("async-close", 10)) {
			pending.Add(1)
			if err := c2.PublishAsync(e.ctx, topic, m, func(*mq.Message, error) { called.Add(1) }); err != nil {
				e.t.Fatalf("PublishAsync %s: %v", m.ID, err)
			}
			want = append(want, m.ID)
		}
		if err := c2.Close(e.waitCtx(e.h.Wait)); err != nil {
			e.t.Errorf("Close with async publishes in flight: %v", err)
		}
		if called.Load() != pending.Load() {
			e.t.Errorf("Close returned with %d of %d async callbacks called", called.Load(), pending.Load())
		}
	} else {
		called := false
		err := c.PublishAsync(e.ctx, topic, msg("async-unsupported"), func(*mq.Message, error) { called = true })
		e.isErr(err, mq.ErrUnsupported, "PublishAsync without CapAsyncPublish")
		e.isErr(c.PublishFuture(e.ctx, topic, msg("future-unsupported")).Err(), mq.ErrUnsupported, "PublishFuture without CapAsyncPublish")
		if called {
			e.t.Error("PublishAsync refused the message but called back")
		}
	}

	if e.has(mq.CapOneWay) {
		oneway := ids("oneway", 10)
		for _, m := range msgs(oneway) {
			if err := c.PublishOneWay(e.ctx, topic, m); err != nil {
				e.t.Fatalf("PublishOneWay %s: %v", m.ID, err)
			}
		}
		// Lossy by contract, but a healthy broker loses nothing.
		want = append(want, oneway...)
	} else {
		e.isErr(c.PublishOneWay(e.ctx, topic, msg("oneway-unsupported")), mq.ErrUnsupported, "PublishOneWay without CapOneWay")
	}
	col.WaitDone(e.t, e.h.Wait, want...)
	col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
	e.checkBodies(col)
}

// errBoom is what failing handlers return.
var errBoom = errors.New("mqtest: boom")

// failUntil returns a handler that fails attempts below n and acks from n on.
func failUntil(n int) func(ctx context.Context, m *mq.Message) error {
	return func(_ context.Context, m *mq.Message) error {
		if m.Attempt < n {
			return fmt.Errorf("attempt %d: %w", m.Attempt, errBoom)
		}
		return nil
	}
}
