package mq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

type ctxMark struct{}

// interceptRecorder stamps each message with its publish mode and marks the
// ctx; its hook records what the publish events carried.
type interceptRecorder struct {
	mu     sync.Mutex
	infos  []mq.PublishInfo
	events []mq.Event
	marked []bool // the event's ctx is the interceptor's
}

func (r *interceptRecorder) intercept(ctx context.Context, p mq.PublishInfo) context.Context {
	r.mu.Lock()
	r.infos = append(r.infos, mq.PublishInfo{Topic: p.Topic, Mode: p.Mode, Backend: p.Backend})
	r.mu.Unlock()
	for _, m := range p.Messages {
		h := make(map[string]string, len(m.Headers)+1)
		for k, v := range m.Headers {
			h[k] = v
		}
		h["mode"] = p.Mode.String()
		m.Headers = h
	}
	return context.WithValue(ctx, ctxMark{}, p.Mode)
}

func (r *interceptRecorder) hook(ctx context.Context, e mq.Event) {
	if e.Kind != mq.EventPublished {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.marked = append(r.marked, ctx.Value(ctxMark{}) != nil)
}

func (r *interceptRecorder) snapshot() ([]mq.PublishInfo, []mq.Event, []bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mq.PublishInfo(nil), r.infos...), append([]mq.Event(nil), r.events...), append([]bool(nil), r.marked...)
}

// Every publish mode runs the interceptors before the message leaves: the
// header they set arrives, and the publish event gets their ctx.
func TestPublishInterceptorEveryMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := &interceptRecorder{}
	c := open(t, mq.WithPublishInterceptor(r.intercept), mq.WithHook(r.hook))
	k, err := c.NewConsumer(ctx, "intercepted", mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	defer k.Close(ctx)

	shared := map[string]string{"app": "x"}
	require.NoError(t, c.Publish(ctx, "intercepted", &mq.Message{ID: "sync", Headers: shared}))
	require.NoError(t, c.PublishBatch(ctx, "intercepted", []*mq.Message{{ID: "batch-1"}, {ID: "batch-2"}}))
	done := make(chan error, 1)
	require.NoError(t, c.PublishAsync(ctx, "intercepted", &mq.Message{ID: "async"}, func(_ *mq.Message, err error) { done <- err }))
	require.NoError(t, <-done)
	require.NoError(t, c.PublishFuture(ctx, "intercepted", &mq.Message{ID: "future"}).Wait(ctx))
	require.NoError(t, c.PublishOneWay(ctx, "intercepted", &mq.Message{ID: "one-way"}))
	require.NoError(t, c.PublishTx(ctx, "intercepted", []*mq.Message{{ID: "tx"}}, func(context.Context) error { return nil }))
	assert.Equal(t, map[string]string{"app": "x"}, shared, "the caller's map is left alone by this interceptor")

	want := map[string]string{"sync": "sync", "batch-1": "batch", "batch-2": "batch", "async": "async",
		"future": "async", "one-way": "one-way", "tx": "tx"}
	got := map[string]string{}
	for len(got) < len(want) {
		msgs, err := k.Receive(ctx, 8, 5*time.Second)
		require.NoError(t, err)
		require.NotEmpty(t, msgs, "received %v of %v", got, want)
		for _, m := range msgs {
			got[m.ID] = m.Header("mode")
			require.NoError(t, m.Ack(ctx))
		}
	}
	assert.Equal(t, want, got)

	infos, events, marked := r.snapshot()
	require.Len(t, infos, 6)
	require.Len(t, events, 6, "one publish event per intercepted call")
	for i, info := range infos {
		assert.Equal(t, "intercepted", info.Topic)
		assert.Equal(t, "memory", info.Backend)
		assert.True(t, marked[i], "event %d (%v) got the interceptor's ctx", i, events[i].ID)
		assert.Equal(t, "memory", events[i].Backend)
		assert.NoError(t, events[i].Err)
	}
	assert.Equal(t, 2, events[1].Count, "the batch event counts both messages")
	assert.Equal(t, mq.ModeTx, infos[5].Mode)
}

// A header an interceptor sets is checked like the caller's: a reserved name
// fails the publish, nothing is sent, and the hook still sees one failed
// publish event (so a span started by the interceptor is ended).
func TestPublishInterceptorHeadersChecked(t *testing.T) {
	ctx := context.Background()
	var events []mq.Event
	bad := func(ctx context.Context, p mq.PublishInfo) context.Context {
		for _, m := range p.Messages {
			m.SetHeader(mq.ReservedHeaderPrefix+"attempt", "9")
		}
		return ctx
	}
	c := open(t, mq.WithPublishInterceptor(bad), mq.WithHook(func(_ context.Context, e mq.Event) { events = append(events, e) }))
	k, err := c.NewConsumer(ctx, "checked", mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	defer k.Close(ctx)

	err = c.Publish(ctx, "checked", &mq.Message{ID: "a"})
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
	err = c.PublishBatch(ctx, "checked", []*mq.Message{{ID: "b"}, {ID: "c"}})
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
	require.Len(t, events, 2)
	for _, e := range events {
		assert.Equal(t, mq.EventPublished, e.Kind)
		assert.ErrorIs(t, e.Err, mq.ErrInvalidArgument)
	}
	msgs, err := k.Receive(ctx, 4, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, msgs, "nothing was sent")
}

// A message refused before the interceptors run is not intercepted.
func TestPublishInterceptorNotCalledForInvalidMessage(t *testing.T) {
	calls := 0
	c := open(t, mq.WithPublishInterceptor(func(ctx context.Context, _ mq.PublishInfo) context.Context {
		calls++
		return ctx
	}))
	err := c.Publish(context.Background(), "t", &mq.Message{Key: "bad\x00key"})
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
	assert.Zero(t, calls)
}

func TestWithPublishInterceptorNil(t *testing.T) {
	_, err := mq.Open(context.Background(), "memory://nil-interceptor", mq.WithPublishInterceptor(nil))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}

// A failed transaction is one failed publish event.
func TestPublishTxEvent(t *testing.T) {
	ctx := context.Background()
	var events []mq.Event
	c := open(t, mq.WithHook(func(_ context.Context, e mq.Event) { events = append(events, e) }))
	boom := errors.New("boom")
	err := c.PublishTx(ctx, "tx-events", []*mq.Message{{ID: "a"}, {ID: "b"}}, func(context.Context) error { return boom })
	require.ErrorIs(t, err, mq.ErrTxRolledBack)
	require.Len(t, events, 1)
	assert.Equal(t, 2, events[0].Count)
	assert.ErrorIs(t, events[0].Err, mq.ErrTxRolledBack)
}

// WithLogLevel filters unimq's own records: the dead-letter record (Warn)
// is kept at Warn and dropped at Error. The hook's dead-letter event comes
// after the record is logged.
func TestWithLogLevel(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		kept  bool
	}{{slog.LevelWarn, true}, {slog.LevelError, false}} {
		t.Run(tc.level.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var buf bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			dead := make(chan struct{}, 1)
			c := open(t, mq.WithLogger(logger), mq.WithLogLevel(tc.level), mq.WithHook(func(_ context.Context, e mq.Event) {
				if e.Kind == mq.EventDeadLettered {
					dead <- struct{}{}
				}
			}))
			sub, err := c.Subscribe(ctx, "logged", func(context.Context, *mq.Message) error {
				return mq.NoRetry(errors.New("refused"))
			})
			require.NoError(t, err)
			defer sub.Close(ctx)
			require.NoError(t, c.Publish(ctx, "logged", &mq.Message{ID: "x"}))
			select {
			case <-dead:
			case <-ctx.Done():
				t.Fatal("no dead letter")
			}
			mu.Lock()
			out := buf.String()
			mu.Unlock()
			assert.Equal(t, tc.kept, strings.Contains(out, "dead-lettered"), "log: %q", out)
		})
	}
}

func TestWithLogLevelNil(t *testing.T) {
	_, err := mq.Open(context.Background(), "memory://nil-level", mq.WithLogLevel(nil))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}

func TestHandlerInfoContext(t *testing.T) {
	_, ok := mq.HandlerInfoFrom(context.Background())
	assert.False(t, ok)
	ctx := mq.ContextWithHandlerInfo(context.Background(), mq.HandlerInfo{Topic: "t", Group: "g", Backend: "memory"})
	hi, ok := mq.HandlerInfoFrom(ctx)
	require.True(t, ok)
	assert.Equal(t, mq.HandlerInfo{Topic: "t", Group: "g", Backend: "memory"}, hi)
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A publish the backend refuses before queueing it (the broker is
// unavailable) still ends with one failed publish event per intercepted
// call, on every mode: a span an interceptor started is always ended.
func TestPublishInterceptorEventOnRefusal(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("intercept-refused-%d", time.Now().UnixNano())
	b, err := memory.NewBroker(name, memory.Config{})
	require.NoError(t, err)
	defer b.Close()
	r := &interceptRecorder{}
	c, err := mq.Open(ctx, "memory://"+name, mq.WithPublishInterceptor(r.intercept), mq.WithHook(r.hook))
	require.NoError(t, err)
	defer c.Close(ctx)
	b.SetUnavailable(true)
	assert.Error(t, c.Publish(ctx, "refused", &mq.Message{ID: "sync"}))
	assert.Error(t, c.PublishBatch(ctx, "refused", []*mq.Message{{ID: "batch"}}))
	assert.Error(t, c.PublishFuture(ctx, "refused", &mq.Message{ID: "async"}).Wait(ctx))
	_ = c.PublishOneWay(ctx, "refused", &mq.Message{ID: "one-way"}) // lossy: may report nothing
	assert.Error(t, c.PublishTx(ctx, "refused", []*mq.Message{{ID: "tx"}}, func(context.Context) error { return nil }))
	infos, events, marked := r.snapshot()
	require.Len(t, infos, 5)
	require.Len(t, events, 5, "one publish event per intercepted call")
	for i, e := range events {
		assert.True(t, marked[i])
		if e.ID != "one-way" {
			assert.Error(t, e.Err, "event of %s", e.ID)
		}
	}
}

// A PublishAsync the backend refuses at once (done is not called) still
// reports its one publish event.
func TestPublishInterceptorEventOnAsyncRefusal(t *testing.T) {
	ctx := context.Background()
	r := &interceptRecorder{}
	c, fc, err := openFake("async-refused", driver.Capabilities{Backend: "fake", Features: driver.CapSyncPublish | driver.CapAsyncPublish},
		mq.WithPublishInterceptor(r.intercept), mq.WithHook(r.hook))
	require.NoError(t, err)
	defer c.Close(ctx)
	fc.refuseAsync = errors.New("queue full")
	err = c.PublishAsync(ctx, "t", &mq.Message{ID: "a"}, func(*mq.Message, error) { t.Error("done called") })
	require.Error(t, err)
	_, events, marked := r.snapshot()
	require.Len(t, events, 1)
	assert.True(t, marked[0])
	assert.ErrorIs(t, events[0].Err, mq.ErrUnavailable)
}
