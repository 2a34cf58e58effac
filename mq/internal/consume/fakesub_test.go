package consume

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// fakeSub is a scripted driver.Subscription: Receive hands out what put
// queued (up to max at once) and blocks while there is nothing; Ack, Nack
// and DeadLetter record what they settle and fail when their script says
// so. Nack requeues the message with Attempt+1 on the same *Message, as the
// Kafka adapter's in-place redelivery does, so tests see whether the engine
// reads the attempt before it hands the message back.
type fakeSub struct {
	mu      sync.Mutex
	queue   []*driver.Message
	wake    chan struct{}
	closed  bool
	receive int // Receive calls

	// Scripts (set before the engine starts); nil: succeed.
	receiveErr func(call int) error
	ackErr     func(msgs []*driver.Message) error
	nackErr    func(m *driver.Message) error
	ackGate    chan struct{} // when not nil, Ack waits for it (or ctx)

	acked    []string // IDs, in settlement order
	ackSizes []int    // messages per successful or failed Ack call
	nacked   []string // "id#attempt" of the attempt nacked
	dead     []string // "id#attempt: reason"
}

func newFakeSub() *fakeSub { return &fakeSub{wake: make(chan struct{}, 1)} }

// put queues messages with ids, attempt 1, keys from key (may be nil).
func (f *fakeSub) put(ids ...string) {
	f.mu.Lock()
	for _, id := range ids {
		f.queue = append(f.queue, &driver.Message{ID: id, Attempt: 1, Partition: -1, Offset: -1})
	}
	f.mu.Unlock()
	f.signal()
}

func (f *fakeSub) putMsgs(ms ...*driver.Message) {
	f.mu.Lock()
	f.queue = append(f.queue, ms...)
	f.mu.Unlock()
	f.signal()
}

func (f *fakeSub) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *fakeSub) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	f.mu.Lock()
	f.receive++
	call := f.receive
	script := f.receiveErr
	f.mu.Unlock()
	if script != nil {
		if err := script(call); err != nil {
			return nil, err
		}
	}
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return nil, driver.Errorf(driver.CodeClosed, "receive", "closed")
		}
		if len(f.queue) > 0 {
			n := min(max, len(f.queue))
			out := append([]*driver.Message(nil), f.queue[:n]...)
			f.queue = f.queue[n:]
			more := len(f.queue) > 0
			f.mu.Unlock()
			if more {
				f.signal()
			}
			return out, nil
		}
		f.mu.Unlock()
		select {
		case <-f.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (f *fakeSub) Ack(ctx context.Context, msgs []*driver.Message) error {
	if f.ackGate != nil {
		select {
		case <-f.ackGate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var err error
	if f.ackErr != nil {
		err = f.ackErr(msgs)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ackSizes = append(f.ackSizes, len(msgs))
	if err != nil {
		return err
	}
	for _, m := range msgs {
		f.acked = append(f.acked, m.ID)
	}
	return nil
}

func (f *fakeSub) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	if f.nackErr != nil {
		if err := f.nackErr(m); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.nacked = append(f.nacked, fmt.Sprintf("%s#%d", m.ID, m.Attempt))
	m.Attempt++ // redelivered in place, like the Kafka adapter
	f.queue = append(f.queue, m)
	f.mu.Unlock()
	f.signal()
	return nil
}

func (f *fakeSub) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = append(f.dead, fmt.Sprintf("%s#%d: %s", m.ID, m.Attempt, reason))
	return nil
}

func (f *fakeSub) Close(context.Context) error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.signal()
	return nil
}

func (f *fakeSub) As(any) bool { return false }

// snapshot returns copies of what was settled.
func (f *fakeSub) snapshot() (acked, nacked, dead []string, ackSizes []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.acked...), append([]string(nil), f.nacked...),
		append([]string(nil), f.dead...), append([]int(nil), f.ackSizes...)
}

// msg is the engine's message type in these tests.
type msg struct{ dm *driver.Message }

// logBuf collects log records for assertions.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// event is one Settled call.
type event struct {
	o       Outcome
	id      string
	attempt int
	err     error
	ctx     context.Context
}

// rig is an engine over a fakeSub with a recording Settled callback.
type rig struct {
	t      *testing.T
	sub    *fakeSub
	eng    *Engine[msg]
	log    *logBuf
	mu     sync.Mutex
	events []event
}

// start runs an engine with p (defaults filled) and handler h over sub.
func start(t *testing.T, sub *fakeSub, p Policy, h func(ctx context.Context, m *msg) error) *rig {
	t.Helper()
	return startWith(t, sub, p, Config[msg]{Handle: h})
}

// startWith runs an engine with p (defaults filled) and cfg's handlers.
func startWith(t *testing.T, sub *fakeSub, p Policy, cfg Config[msg]) *rig {
	t.Helper()
	r := &rig{t: t, sub: sub, log: &logBuf{}}
	if p.Concurrency == 0 {
		p.Concurrency = 4
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 5
	}
	if p.Backoff == nil {
		p.Backoff = func(int) time.Duration { return time.Millisecond }
	}
	p.Topic = "t"
	p.Logger = slog.New(slog.NewTextHandler(r.log, nil))
	p.Settled = func(ctx context.Context, o Outcome, dm *driver.Message, attempt int, err error, _ time.Time) {
		r.mu.Lock()
		r.events = append(r.events, event{o, dm.ID, attempt, err, ctx})
		r.mu.Unlock()
	}
	cfg.Sub, cfg.Policy = sub, p
	cfg.Prepare = func(m *msg, dm *driver.Message) { *m = msg{dm: dm} }
	r.eng = New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.eng.Close(ctx)
	})
	return r
}

func (r *rig) eventList() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// eventually fails the test unless cond holds within 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}
