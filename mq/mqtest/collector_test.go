package mqtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder captures Fatalf so the Collector's failures can be asserted.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

func failsWith(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	func() {
		defer func() {
			if x := recover(); x != nil && x != r {
				panic(x)
			}
		}()
		f(r)
	}()
	return r.failed
}

func TestCollectorRecordsAttemptsAndResults(t *testing.T) {
	c := NewCollector()
	h := c.Handler("s", func(_ context.Context, m *mq.Message) error {
		if m.Attempt < 2 {
			return errBoom
		}
		return nil
	})
	body := []byte("b")
	_ = h(context.Background(), &mq.Message{ID: "x", Attempt: 1, Body: body})
	body[0] = 'z' // the collector keeps its own copy
	_ = h(context.Background(), &mq.Message{ID: "x", Attempt: 2, Body: []byte("b")})
	if got := c.Attempts("x"); !eqInts(got, []int{1, 2}) {
		t.Fatalf("attempts %v", got)
	}
	ds := c.Of("x")
	if ds[0].Done() || !errors.Is(ds[0].Err, errBoom) || !ds[1].Done() || string(ds[0].Msg.Body) != "b" {
		t.Fatalf("deliveries %+v", ds)
	}
	if m := c.Missing("x", "y"); len(m) != 1 || m[0] != "y" {
		t.Fatalf("missing %v", m)
	}
}

func TestCollectorRecordsPanics(t *testing.T) {
	c := NewCollector()
	h := c.Handler("s", func(context.Context, *mq.Message) error { panic("p") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed; the subscriber must see it")
			}
		}()
		_ = h(context.Background(), &mq.Message{ID: "x", Attempt: 1})
	}()
	if d := c.Of("x"); len(d) != 1 || d[0].End.IsZero() || d[0].Err == nil {
		t.Fatalf("panicking delivery recorded as %+v", d)
	}
}

func TestCollectorWaitsAndDetectsDuplicates(t *testing.T) {
	c := NewCollector()
	h := c.Handler("s", nil)
	go func() {
		for _, id := range []string{"a", "b"} {
			_ = h(context.Background(), &mq.Message{ID: id})
		}
	}()
	c.WaitDone(t, 5*time.Second, "a", "b")
	c.ExpectExactlyOnce(t, 20*time.Millisecond, "a", "b")

	_ = h(context.Background(), &mq.Message{ID: "a"})
	if f := failsWith(t, func(tb testing.TB) { c.ExpectExactlyOnce(tb, 20*time.Millisecond, "a", "b") }); !strings.Contains(f, "duplicate") {
		t.Fatalf("a duplicate was not reported (%q)", f)
	}
	if f := failsWith(t, func(tb testing.TB) { c.WaitDone(tb, 20*time.Millisecond, "never") }); f == "" {
		t.Fatal("a missing message was not reported")
	}
	if !strings.Contains(c.Summary(), "a x2") {
		t.Fatalf("summary %q does not name the repeated id", c.Summary())
	}
}

func TestUniqueNameIsBrokerSafe(t *testing.T) {
	a, b := UniqueName("t"), UniqueName("t")
	if a == b {
		t.Fatalf("%q repeated", a)
	}
	for _, r := range a + b {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			t.Fatalf("%q has %q", a, r)
		}
	}
}

func TestNamesAreKnown(t *testing.T) {
	for _, n := range []string{"RoundTrip", "Batch", "LargeAndOversize", "ConcurrentPublishers", "CompetingConsumers",
		"GroupsEachGetAll", "Broadcast", "OrderedPerKey", "NackRedelivery", "DeadLetter", "HandlerPanic",
		"HandlerTimeout", "TagFilter", "TagPattern", "Delay", "Transactions", "Pull", "StartPosition", "StartTime",
		"CloseWhileHandling", "UseAfterClose", "ContextCancel", "Reconnect", "BadInput", "AsyncAndOneWay",
		"Capabilities", "GroupAcrossTopics", "DefaultGroupAcrossTopics", "BroadcastAcrossTopics",
		"OrderedMembershipChange", "GracefulHandover", "InputRules", "ErrorCodes", "ErrorFormat", "SettlementHooks", "BatchPartialFailure", "BatchOrder", "BatchCloseMidBatch", "BatchLinger", "Backlog", "NoGoroutineLeaks"} {
		if !known(n) {
			t.Errorf("%s is not a test name", n)
		}
	}
	if len(TestNames()) != 41 {
		t.Errorf("TestNames() = %v", TestNames())
	}
}

// UntilProgress keeps waiting while deliveries come, past idle in all, and
// gives up once they stop for idle.
func TestUntilProgressWaitsWhileDeliveriesCome(t *testing.T) {
	const idle = time.Second
	c := NewCollector()
	h := c.Handler("x", nil)
	stop := make(chan struct{})
	go func() {
		for i := 0; i < 12; i++ { // 12 deliveries, idle/8 apart: 1.5×idle in all
			time.Sleep(idle / 8)
			_ = h(context.Background(), &mq.Message{ID: fmt.Sprint(i)})
		}
		close(stop)
	}()
	start := time.Now()
	if !c.UntilProgress(idle, func(ds []Delivery) bool { return len(ds) == 12 }) {
		t.Fatalf("gave up after %v with %d deliveries coming every %v", time.Since(start), c.Len(), idle/8)
	}
	<-stop
	start = time.Now()
	if c.UntilProgress(idle, func(ds []Delivery) bool { return len(ds) == 13 }) {
		t.Fatal("a condition that never holds held")
	}
	if d := time.Since(start); d < idle {
		t.Errorf("gave up after %v without deliveries, want at least %v", d, idle)
	}
}
