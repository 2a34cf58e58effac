package mqtest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
)

// batchRecorder runs a Collector's handler on each message of a batch, so
// the Collector's waits and checks apply to batch subscriptions, and
// records each batch's size and when it started.
type batchRecorder struct {
	col   *Collector
	mu    sync.Mutex
	sizes []int
	first time.Time // when the first batch started
}

// handler returns a BatchHandler that runs fn (nil: succeed) per message
// through the Collector and returns a BatchError naming the failures.
func (b *batchRecorder) handler(fn mq.Handler) mq.BatchHandler {
	h := b.col.Handler("batch", fn)
	return func(ctx context.Context, ms []*mq.Message) error {
		b.mu.Lock()
		if b.first.IsZero() {
			b.first = time.Now()
		}
		b.sizes = append(b.sizes, len(ms))
		b.mu.Unlock()
		var failed []int
		for i, m := range ms {
			if err := h(ctx, m); err != nil {
				failed = append(failed, i)
			}
		}
		if failed != nil {
			return &mq.BatchError{Failed: failed, Err: errBoom}
		}
		return nil
	}
}

func (b *batchRecorder) batches() ([]int, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...), b.first
}

func (e *env) subscribeBatch(c *mq.Client, topic string, h mq.BatchHandler, opts ...mq.Option) *mq.Subscriber {
	e.t.Helper()
	s, err := c.SubscribeBatch(e.ctx, topic, h, opts...)
	if err != nil {
		e.t.Fatalf("subscribe batch %s: %v", topic, err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

// testBatchPartialFailure: a batch handler that names failed messages
// gets only those again (attempt 2), then they are dead-lettered after
// MaxAttempts; the others are acknowledged once.
func testBatchPartialFailure(e *env) {
	c := e.client()
	topic := e.topic()
	b := &batchRecorder{col: NewCollector()}
	bad := map[string]bool{"bp-bad-0": true, "bp-bad-1": true}
	h := func(_ context.Context, m *mq.Message) error {
		if bad[m.ID] {
			return fmt.Errorf("attempt %d: %w", m.Attempt, errBoom)
		}
		return nil
	}
	e.subscribeBatch(c, topic, b.handler(h), mq.Group(e.group()), mq.BatchSize(8), mq.BatchLinger(200*time.Millisecond),
		mq.MaxAttempts(2), fast())
	all := []string{"bp-ok-0", "bp-bad-0", "bp-ok-1", "bp-ok-2", "bp-bad-1", "bp-ok-3"}
	e.publish(c, topic, msgs(all)...)
	b.col.WaitFor(e.t, e.h.Wait, "the failed messages' second attempts", func(ds []Delivery) bool {
		n := 0
		for _, d := range ds {
			if bad[d.Msg.ID] && d.Msg.Attempt == 2 && !d.End.IsZero() {
				n++
			}
		}
		return n == 2
	})
	b.col.WaitDone(e.t, e.h.Wait, "bp-ok-0", "bp-ok-1", "bp-ok-2", "bp-ok-3")
	b.col.Never(e.t, e.h.Quiet, "more deliveries than expected", func(ds []Delivery) bool { return len(ds) > 8 })
	e.checkBodies(b.col)
	for _, id := range all {
		want := []int{1}
		if bad[id] {
			want = []int{1, 2}
		}
		if got := b.col.Attempts(id); !eqInts(got, want) {
			e.t.Errorf("%s: attempts %v, want %v", id, got, want)
		}
	}
}

// testBatchOrder: an Ordered batch subscription keeps each key's order: a
// message failed by index is retried in place with the later messages of
// its key, so the last delivery of each message (the one that counted)
// comes in publish order; another key is not held back by the failure.
func testBatchOrder(e *env) {
	c := e.client()
	topic := e.topic()
	b := &batchRecorder{col: NewCollector()}
	if !e.has(mq.CapOrdered) {
		_, err := c.SubscribeBatch(e.ctx, topic, b.handler(nil), mq.Ordered())
		e.isErr(err, mq.ErrUnsupported, "SubscribeBatch with Ordered without CapOrdered")
		return
	}
	keyA, keyB := UniqueName("A"), UniqueName("B")
	h := func(_ context.Context, m *mq.Message) error {
		if m.ID == "A-2" && m.Attempt == 1 {
			return fmt.Errorf("first attempt: %w", errBoom)
		}
		return nil
	}
	e.subscribeBatch(c, topic, b.handler(h), mq.Ordered(), mq.Group(e.group()), mq.BatchSize(4),
		mq.BatchLinger(100*time.Millisecond), mq.MaxAttempts(5), fast())
	var want []string
	for i := 0; i < 6; i++ {
		for _, k := range []struct{ name, key string }{{"A", keyA}, {"B", keyB}} {
			m := msg(fmt.Sprintf("%s-%d", k.name, i))
			m.Key = k.key
			e.publish(c, topic, m)
			want = append(want, m.ID)
		}
	}
	b.col.WaitDone(e.t, e.h.Wait, want...)
	e.checkBodies(b.col)
	ds := b.col.Deliveries()
	for _, key := range []string{keyA, keyB} {
		last := map[string]Delivery{}
		for _, d := range ds {
			if d.Msg.Key == key {
				last[d.Msg.ID] = d // Deliveries are in start order
			}
		}
		var order []Delivery
		for _, d := range last {
			order = append(order, d)
		}
		sort.Slice(order, func(i, j int) bool { return order[i].Start.Before(order[j].Start) })
		var got []string
		for _, d := range order {
			got = append(got, d.Msg.ID)
		}
		if !sort.SliceIsSorted(got, func(i, j int) bool { return idIndex(got[i]) < idIndex(got[j]) }) || len(got) != 6 {
			e.t.Errorf("key %s: the last delivery of each message came as %v, want publish order", key, got)
		}
	}
	if got := b.col.Attempts("A-2"); len(got) != 2 || got[1] != 2 {
		e.t.Errorf("A-2 attempts %v, want [1 2] (retried in place)", got)
	}
}

// idIndex is i of an id "<name>-<i>".
func idIndex(id string) int {
	i, err := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
	if err != nil {
		return -1
	}
	return i
}

// testBatchCloseMidBatch: Close while a batch is being handled waits for
// it and acknowledges it; messages received but not handled are
// redelivered to the next member of the group, and none that was handled.
func testBatchCloseMidBatch(e *env) {
	c := e.client()
	topic := e.topic()
	g := e.group()
	release := make(chan struct{})
	b := &batchRecorder{col: NewCollector()}
	h := func(ctx context.Context, m *mq.Message) error {
		select {
		case <-release:
			return nil
		case <-time.After(2 * e.h.Wait):
			return fmt.Errorf("mqtest: never released: %w", errBoom)
		}
	}
	s1 := e.subscribeBatch(c, topic, b.handler(h), mq.Group(g), mq.Concurrency(1), mq.BatchSize(3),
		mq.BatchLinger(200*time.Millisecond), fast())
	all := ids("cm", 6)
	for _, m := range msgs(all) {
		m.Key = "close-key" // one partition/queue: what finished is committable
		e.publish(c, topic, m)
	}
	b.col.WaitFor(e.t, e.h.Wait, "a batch running", func(ds []Delivery) bool { return len(ds) > 0 })
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		errc <- s1.Close(ctx)
	}()
	time.Sleep(50 * time.Millisecond) // let Close begin; the batch is still running either way
	close(release)
	if err := <-errc; err != nil {
		e.t.Fatalf("Close while a batch ran: %v", err)
	}
	closed := time.Now()
	handled := map[string]bool{}
	for _, d := range b.col.Deliveries() {
		if !d.Done() {
			e.t.Errorf("%s#%d did not finish before Close returned", d.Msg.ID, d.Msg.Attempt)
		}
		if d.Start.After(closed) {
			e.t.Errorf("%s was delivered to the closed subscriber", d.Msg.ID)
		}
		handled[d.Msg.ID] = true
	}
	var rest []string
	for _, id := range all {
		if !handled[id] {
			rest = append(rest, id)
		}
	}
	col2 := NewCollector()
	e.subscribe(e.client(), topic, col2.Handler("s2", nil), mq.Group(g), fast())
	col2.WaitDone(e.t, e.h.Wait, rest...)
	col2.Never(e.t, e.h.Quiet, "a message whose batch finished before Close returned was redelivered", func(ds []Delivery) bool {
		for _, d := range ds {
			if handled[d.Msg.ID] {
				return true
			}
		}
		return false
	})
	col2.ExpectExactlyOnce(e.t, 0, rest...)
}

// testBatchLinger: fewer messages than BatchSize reach the handler once
// BatchLinger has passed since the first arrived, as one half batch.
func testBatchLinger(e *env) {
	c := e.client()
	topic := e.topic()
	b := &batchRecorder{col: NewCollector()}
	const linger = 300 * time.Millisecond
	e.subscribeBatch(c, topic, b.handler(nil), mq.Group(e.group()), mq.BatchSize(50), mq.BatchLinger(linger))
	want := ids("lg", 3)
	begin := time.Now()
	if err := c.PublishBatch(e.ctx, topic, msgs(want)); err != nil {
		e.t.Fatalf("PublishBatch: %v", err)
	}
	b.col.WaitDone(e.t, e.h.Wait, want...)
	b.col.ExpectExactlyOnce(e.t, e.h.Quiet, want...)
	sizes, first := b.batches()
	total := 0
	for _, n := range sizes {
		total += n
		if n >= 50 {
			e.t.Errorf("a batch of %d, more than the %d published", n, len(want))
		}
	}
	if total != len(want) {
		e.t.Errorf("batches %v, want %d messages in all", sizes, len(want))
	}
	// A message arrives after its publish began, and its batch waits the
	// linger after that (minus timer slack).
	if waited := first.Sub(begin); waited < linger-10*time.Millisecond {
		e.t.Errorf("the first half batch was handled %v after publishing, before the linger of %v", waited, linger)
	}
}
