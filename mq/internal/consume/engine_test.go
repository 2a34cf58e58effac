package consume

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq/driver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// warm runs fast messages until the engine hands out chunks of several
// messages.
func warm(t *testing.T, r *rig, done *atomic.Int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; r.eng.ChunkSize(8) < 2; i++ {
		if time.Now().After(deadline) {
			t.Fatal("fast handlers never got chunks of several messages")
		}
		want := done.Load() + 100
		r.sub.put(ids("warm"+string(rune('a'+i%26)), 100)...)
		eventually(t, "warm-up messages handled", func() bool { return done.Load() >= want })
	}
}

// Messages of one chunk not started after spillAfter go to other workers:
// here the first of two messages received together waits for the second,
// which would deadlock if the chunk kept it.
func TestEngineStealsFromABlockedChunk(t *testing.T) {
	sub := newFakeSub()
	var done atomic.Int64
	released := make(chan struct{})
	waited := make(chan bool, 1)
	r := start(t, sub, Policy{Concurrency: 4, Held: 32}, func(ctx context.Context, m *msg) error {
		switch m.dm.ID {
		case "wait":
			select {
			case <-released:
				waited <- true
			case <-time.After(10 * time.Second):
				waited <- false
			}
		case "release":
			close(released)
		}
		done.Add(1)
		return nil
	})
	warm(t, r, &done)
	sub.put("wait", "release")
	if !<-waited {
		t.Fatal("the message behind a blocked handler was not handed to another worker")
	}
	eventually(t, "both acked", func() bool {
		acked, _, _, _ := sub.snapshot()
		return slices.Contains(acked, "wait") && slices.Contains(acked, "release")
	})
}

// Finished messages are acknowledged in batches: while one Ack call is
// held, the messages finishing meanwhile go in the next call together;
// every message is acknowledged once.
func TestEngineBatchesAcks(t *testing.T) {
	sub := newFakeSub()
	gate := make(chan struct{})
	sub.ackGate = gate
	var done atomic.Int64
	r := start(t, sub, Policy{Concurrency: 4, Held: 64}, func(ctx context.Context, m *msg) error {
		done.Add(1)
		return nil
	})
	want := ids("m", 50)
	sub.put(want...)
	eventually(t, "every handler ran", func() bool { return done.Load() == 50 })
	close(gate)
	eventually(t, "every message acked", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 50
	})
	acked, _, _, sizes := sub.snapshot()
	sort.Strings(acked)
	sort.Strings(want)
	if !slices.Equal(acked, want) {
		t.Fatalf("acked %v, want each of %v once", acked, want)
	}
	if len(sizes) >= 50 || slices.Max(sizes) < 2 || slices.Max(sizes) > maxAckBatch {
		t.Fatalf("ack calls carried %v messages: want batches (at most %d) under a held Ack", sizes, maxAckBatch)
	}
	eventually(t, "50 Acked events", func() bool { return len(r.eventList()) == 50 })
}

// Close waits for running handlers, acks what they finish, and leaves the
// messages received but not started unsettled (neither acked nor nacked).
func TestEngineCloseDrainsRunningHandlers(t *testing.T) {
	sub := newFakeSub()
	release := make(chan struct{})
	var started sync.Map
	var running atomic.Int64
	r := start(t, sub, Policy{Concurrency: 2, Held: 8}, func(ctx context.Context, m *msg) error {
		started.Store(m.dm.ID, true)
		running.Add(1)
		<-release
		return nil
	})
	sub.put(ids("m", 8)...)
	eventually(t, "two handlers running", func() bool { return running.Load() == 2 })
	closed := make(chan error, 1)
	go func() { closed <- r.eng.Close(context.Background()) }()
	eventually(t, "Close began", r.eng.Closing)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while handlers ran", err)
	default:
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	acked, nacked, dead, _ := sub.snapshot()
	var ran []string
	started.Range(func(k, _ any) bool { ran = append(ran, k.(string)); return true })
	sort.Strings(ran)
	sort.Strings(acked)
	if !slices.Equal(acked, ran) || len(nacked)+len(dead) != 0 {
		t.Fatalf("after Close: acked %v nacked %v dead %v; want exactly the %v that ran acked", acked, nacked, dead, ran)
	}
	if len(ran) == 8 {
		t.Fatal("every message ran: Close did not stop intake")
	}
}

// A Close whose ctx ends first cancels the handlers' contexts, returns a
// coded error, and settles nothing of what did not finish.
func TestEngineCloseGivesUp(t *testing.T) {
	sub := newFakeSub()
	running := make(chan struct{}, 1)
	r := start(t, sub, Policy{Concurrency: 1, Held: 1}, func(ctx context.Context, m *msg) error {
		running <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	sub.put("m0")
	<-running
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := r.eng.Close(ctx)
	if driver.CodeOf(err) != driver.CodeTimeout {
		t.Fatalf("Close = %v, want a timeout-coded error", err)
	}
	// The handler returned after its ctx was canceled; its message stays
	// unsettled for redelivery.
	acked, nacked, dead, _ := sub.snapshot()
	if len(acked)+len(nacked)+len(dead) != 0 {
		t.Fatalf("settled after Close gave up: acked %v nacked %v dead %v", acked, nacked, dead)
	}
}

// A driver whose Receive, Ack and Nack fail: receive failures are retried
// with backoff and logged, a failed batch Ack is retried one by one, and
// what cannot be settled is logged; nothing is lost or settled twice.
func TestEngineSurvivesDriverFailures(t *testing.T) {
	sub := newFakeSub()
	sub.receiveErr = func(call int) error {
		if call <= 3 {
			return driver.Errorf(driver.CodeUnavailable, "receive", "broker away (%d)", call)
		}
		return nil
	}
	sub.ackErr = func(msgs []*driver.Message) error {
		for _, m := range msgs {
			if m.ID == "bad-ack" {
				return driver.Errorf(driver.CodeUnavailable, "ack", "partition revoked")
			}
		}
		return nil
	}
	sub.nackErr = func(m *driver.Message) error {
		return driver.Errorf(driver.CodeUnavailable, "nack", "channel closed")
	}
	var done atomic.Int64
	r := start(t, sub, Policy{Concurrency: 2, Held: 16}, func(ctx context.Context, m *msg) error {
		defer done.Add(1)
		if m.dm.ID == "fails" {
			return errors.New("boom")
		}
		return nil
	})
	good := ids("ok", 10)
	sub.put(append([]string{"bad-ack", "fails"}, good...)...)
	eventually(t, "every handler ran", func() bool { return done.Load() == 12 })
	eventually(t, "good messages acked", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 10
	})
	eventually(t, "failures logged", func() bool {
		l := r.log.String()
		return strings.Contains(l, "ack failed") && strings.Contains(l, "nack failed")
	})
	acked, nacked, _, _ := sub.snapshot()
	sort.Strings(acked)
	sort.Strings(good)
	if !slices.Equal(acked, good) || len(nacked) != 0 {
		t.Fatalf("acked %v nacked %v; want %v acked, nothing nacked", acked, nacked, good)
	}
	l := r.log.String()
	if strings.Count(l, "receive failed; retrying") != 3 {
		t.Fatalf("want 3 receive failures logged, log:\n%s", l)
	}
	for _, e := range r.eventList() {
		if e.id == "bad-ack" || e.id == "fails" {
			t.Fatalf("Settled reported %v for %s, which the driver did not settle", e.o, e.id)
		}
	}
	if err := r.eng.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// Slow handlers do not hold back fast ones: with two slow messages
// blocked, every fast message is handled and acked.
func TestEngineSlowAndFastHandlers(t *testing.T) {
	sub := newFakeSub()
	release := make(chan struct{})
	var slowRunning atomic.Int64
	start(t, sub, Policy{Concurrency: 4, Held: 16}, func(ctx context.Context, m *msg) error {
		if strings.HasPrefix(m.dm.ID, "slow") {
			slowRunning.Add(1)
			<-release
		}
		return nil
	})
	fast := ids("fast", 40)
	sub.put("slow0", "slow1")
	sub.put(fast...)
	eventually(t, "fast messages acked beside the blocked slow ones", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 40
	})
	if slowRunning.Load() != 2 {
		t.Fatalf("%d slow handlers running, want 2", slowRunning.Load())
	}
	acked, _, _, _ := sub.snapshot()
	if slices.Contains(acked, "slow0") || slices.Contains(acked, "slow1") {
		t.Fatal("a slow message was acked before its handler returned")
	}
	close(release)
	eventually(t, "slow messages acked", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 42
	})
}

// A handler past HandlerTimeout has its ctx canceled and its attempt
// counts as failed with a timeout-coded error, even if it then returns nil.
func TestEngineHandlerTimeout(t *testing.T) {
	sub := newFakeSub()
	r := start(t, sub, Policy{Concurrency: 1, HandlerTimeout: 20 * time.Millisecond}, func(ctx context.Context, m *msg) error {
		if m.dm.Attempt == 1 {
			<-ctx.Done()
			return nil
		}
		return nil
	})
	sub.put("m0")
	eventually(t, "acked on the second attempt, and reported", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 1 && len(r.eventList()) == 2
	})
	_, nacked, _, _ := sub.snapshot()
	evs := r.eventList()
	if !slices.Equal(nacked, []string{"m0#1"}) || len(evs) != 2 || evs[0].o != Retried ||
		driver.CodeOf(evs[0].err) != driver.CodeTimeout || evs[1].o != Acked || evs[1].attempt != 2 {
		t.Fatalf("nacked %v, events %+v: want attempt 1 retried with a timeout, attempt 2 acked", nacked, evs)
	}
}

// A panicking handler is recovered: the panic is logged and the attempt
// retried; the engine keeps running.
func TestEngineRecoversPanics(t *testing.T) {
	sub := newFakeSub()
	r := start(t, sub, Policy{Concurrency: 2}, func(ctx context.Context, m *msg) error {
		if m.dm.Attempt == 1 {
			panic("bad input")
		}
		return nil
	})
	sub.put("p0", "p1")
	eventually(t, "both acked on attempt 2", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 2
	})
	if l := r.log.String(); strings.Count(l, "handler panicked") != 2 {
		t.Fatalf("want 2 panics logged, log:\n%s", l)
	}
	for _, e := range r.eventList() {
		if e.o == Retried && !strings.Contains(e.err.Error(), "handler panic: bad input") {
			t.Fatalf("retry error %v does not name the panic", e.err)
		}
	}
}

type ctxKey struct{}

// Settled gets the ctx the innermost handler got and the attempt that was
// settled (the failed one for Retried), although the driver advances
// Attempt on Nack. Unordered, ordered (in-place retries) and dead-letter
// paths alike.
func TestEngineSettledSeesHandlerCtxAndAttempt(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		name := "unordered"
		if ordered {
			name = "ordered"
		}
		t.Run(name, func(t *testing.T) {
			sub := newFakeSub()
			r := start(t, sub, Policy{Concurrency: 2, Ordered: ordered, MaxAttempts: 3}, func(ctx context.Context, m *msg) error {
				RecordHandlerCtx(context.WithValue(ctx, ctxKey{}, m.dm.ID))
				if m.dm.ID == "flaky" && m.dm.Attempt < 3 || m.dm.ID == "poison" {
					return errors.New("boom")
				}
				return nil
			})
			sub.putMsgs(
				&driver.Message{ID: "flaky", Key: "a", Attempt: 1},
				&driver.Message{ID: "poison", Key: "b", Attempt: 1},
			)
			eventually(t, "flaky acked and poison dead-lettered, and reported", func() bool {
				acked, _, dead, _ := sub.snapshot()
				return len(acked) == 1 && len(dead) == 1 && len(r.eventList()) == 6
			})
			got := map[string][]string{}
			for _, e := range r.eventList() {
				if v, _ := e.ctx.Value(ctxKey{}).(string); v != e.id {
					t.Errorf("%v of %s: ctx carries %q, not the handler's", e.o, e.id, v)
				}
				got[e.id] = append(got[e.id], kindName(e.o)+"#"+string(rune('0'+e.attempt)))
			}
			// The fake redelivers before Nack returns, so a message's
			// settlements may be reported out of order: compare sorted.
			for id, want := range map[string][]string{
				"flaky":  {"acked#3", "retried#1", "retried#2"},
				"poison": {"dead#3", "retried#1", "retried#2"},
			} {
				if sort.Strings(got[id]); !slices.Equal(got[id], want) {
					t.Errorf("%s: %v, want %v", id, got[id], want)
				}
			}
		})
	}
}

func kindName(o Outcome) string {
	return [...]string{Acked: "acked", Retried: "retried", DeadLettered: "dead", Skipped: "skipped"}[o]
}

// An ordered engine runs one message per key at a time, in order, and a
// failing key does not hold back another.
func TestEngineOrderedPerKey(t *testing.T) {
	sub := newFakeSub()
	var mu sync.Mutex
	seen := map[string][]string{}
	aFailed := make(chan struct{})
	var once sync.Once
	start(t, sub, Policy{Concurrency: 4, Ordered: true, MaxAttempts: 10}, func(ctx context.Context, m *msg) error {
		mu.Lock()
		seen[m.dm.Key] = append(seen[m.dm.Key], m.dm.ID)
		mu.Unlock()
		if m.dm.ID == "a0" && m.dm.Attempt == 1 {
			once.Do(func() { close(aFailed) })
			return errors.New("boom")
		}
		return nil
	})
	var ms []*driver.Message
	for i := 0; i < 5; i++ {
		for _, k := range []string{"a", "b"} {
			ms = append(ms, &driver.Message{ID: k + string(rune('0'+i)), Key: k, Attempt: 1})
		}
	}
	sub.putMsgs(ms...)
	eventually(t, "all acked", func() bool {
		acked, _, _, _ := sub.snapshot()
		return len(acked) == 10
	})
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"a0", "a0", "a1", "a2", "a3", "a4"}; !slices.Equal(seen["a"], want) {
		t.Errorf("key a ran %v, want %v", seen["a"], want)
	}
	if want := []string{"b0", "b1", "b2", "b3", "b4"}; !slices.Equal(seen["b"], want) {
		t.Errorf("key b ran %v, want %v", seen["b"], want)
	}
}
