package ledger

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBalanceLostDuplicatesAndFailures(t *testing.T) {
	l := New()
	ok := func() error { return nil }
	for _, id := range []string{"a", "b", "c"} {
		if err := l.Publish(id, ok); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("node gone")
	if err := l.Publish("d", func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Publish returned %v, want the send error", err)
	}
	l.Delivered("a")
	l.Delivered("a")
	l.Delivered("b")
	l.Delivered("d") // the caller was told it failed, yet it arrived: allowed, not lost
	l.Delivered("zzz")

	r := l.Report()
	if r.Confirmed != 3 || r.Failed != 1 || r.Delivered != 3 {
		t.Fatalf("confirmed/failed/delivered = %d/%d/%d, want 3/1/3", r.Confirmed, r.Failed, r.Delivered)
	}
	if strings.Join(r.Lost, ",") != "c" {
		t.Fatalf("lost %v, want [c]", r.Lost)
	}
	if r.Duplicates != 1 || r.Unconfirmed != 1 || r.Unknown != 1 {
		t.Fatalf("duplicates/unconfirmed/unknown = %d/%d/%d, want 1/1/1", r.Duplicates, r.Unconfirmed, r.Unknown)
	}
	if !strings.Contains(r.String(), "lost 1") {
		t.Fatalf("report %q does not say lost 1", r.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := l.WaitDelivered(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDelivered with c missing = %v, want the deadline", err)
	}
	l.Delivered("c")
	if err := l.WaitDelivered(context.Background()); err != nil {
		t.Fatalf("WaitDelivered after c arrived: %v", err)
	}
}

func TestRecoveryCountsOnlyMessagesStartedAfterTheFault(t *testing.T) {
	l := New()
	// a publish in flight across the fault is confirmed after it, yet does not show recovery
	inFlight := make(chan struct{})
	done := make(chan error)
	go func() { done <- l.Publish("before", func() error { <-inFlight; return nil }) }()
	for {
		l.mu.Lock()
		_, started := l.started["before"]
		l.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(2 * time.Millisecond) // the fault must come strictly after the start
	f := l.Fault("kill node")
	close(inFlight)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	l.Delivered("before")
	if l.Recovered(f) || f.Publish != 0 {
		t.Fatalf("recovered by a message started before the fault: %+v", *f)
	}
	_ = l.Publish("after", func() error { return nil })
	if f.Publish <= 0 || l.Recovered(f) {
		t.Fatalf("after a confirmed publish: %+v, want Publish > 0 and not yet delivered", *f)
	}
	l.Delivered("after")
	if !l.Recovered(f) || f.Deliver < f.Publish-time.Millisecond {
		t.Fatalf("after the delivery: %+v", *f)
	}
}

func TestFaultOfCountsOnlyItsMessages(t *testing.T) {
	l := New()
	f := l.FaultOf("node 2 cut off", "n2-")
	time.Sleep(2 * time.Millisecond) // publishes must start strictly after the fault
	ok := func() error { return nil }
	_ = l.Publish("n1-a", ok)
	l.Delivered("n1-a")
	if l.Recovered(f) || f.Publish != 0 || f.Deliver != 0 {
		t.Fatalf("recovered by another node's message: %+v", *f)
	}
	_ = l.Publish("n2-a", ok)
	l.Delivered("n2-a")
	if !l.Recovered(f) {
		t.Fatalf("not recovered by its own message: %+v", *f)
	}
}

func TestPercentile(t *testing.T) {
	ms := time.Millisecond
	ds := []time.Duration{30 * ms, 10 * ms, 0, 20 * ms}
	if got := Percentile(ds, 50); got != 20*ms {
		t.Fatalf("p50 = %v, want 20ms", got)
	}
	if got := Percentile(ds, 99); got != 0 {
		t.Fatalf("p99 = %v, want 0 (a fault never recovered ranks last)", got)
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Fatalf("p50 of nothing = %v", got)
	}
}
