package mqtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

// test is one conformance test.
type test struct {
	name   string
	fn     func(e *env)
	serial bool // runs alone, before the parallel tests (it restarts the broker)
}

// tests lists every conformance test by its subtest name.
var tests = []test{
	{name: "Capabilities", fn: testCapabilities},
	{name: "RoundTrip", fn: testRoundTrip},
	{name: "Batch", fn: testBatch},
	{name: "LargeAndOversize", fn: testLargeAndOversize},
	{name: "ConcurrentPublishers", fn: testConcurrentPublishers},
	{name: "AsyncAndOneWay", fn: testAsyncAndOneWay},
	{name: "CompetingConsumers", fn: testCompetingConsumers},
	{name: "GroupsEachGetAll", fn: testGroupsEachGetAll},
	{name: "Broadcast", fn: testBroadcast},
	{name: "GroupAcrossTopics", fn: testGroupAcrossTopics},
	{name: "DefaultGroupAcrossTopics", fn: testDefaultGroupAcrossTopics},
	{name: "BroadcastAcrossTopics", fn: testBroadcastAcrossTopics},
	{name: "OrderedMembershipChange", fn: testOrderedMembershipChange},
	{name: "OrderedPerKey", fn: testOrderedPerKey},
	{name: "NackRedelivery", fn: testNackRedelivery},
	{name: "DeadLetter", fn: testDeadLetter},
	{name: "SettlementHooks", fn: testSettlementHooks},
	{name: "BatchPartialFailure", fn: testBatchPartialFailure},
	{name: "BatchOrder", fn: testBatchOrder},
	{name: "BatchCloseMidBatch", fn: testBatchCloseMidBatch},
	{name: "BatchLinger", fn: testBatchLinger},
	{name: "HandlerPanic", fn: testHandlerPanic},
	{name: "HandlerTimeout", fn: testHandlerTimeout},
	{name: "TagFilter", fn: testTagFilter},
	{name: "TagPattern", fn: testTagPattern},
	{name: "Delay", fn: testDelay},
	{name: "Transactions", fn: testTransactions},
	{name: "Pull", fn: testPull},
	{name: "StartPosition", fn: testStartPosition},
	{name: "StartTime", fn: testStartTime},
	{name: "CloseWhileHandling", fn: testCloseWhileHandling},
	{name: "UseAfterClose", fn: testUseAfterClose},
	{name: "ContextCancel", fn: testContextCancel},
	{name: "BadInput", fn: testBadInput},
	{name: "InputRules", fn: testInputRules},
	{name: "ErrorCodes", fn: testErrorCodes},
	{name: "ErrorFormat", fn: testErrorFormat},
	{name: "GracefulHandover", fn: testGracefulHandover},
	{name: "Backlog", fn: testBacklog},
	{name: "Reconnect", fn: testReconnect, serial: true},
}

// TestNames returns the subtest names Run uses, for Harness.Skip.
func TestNames() []string {
	out := make([]string, 0, len(tests)+1)
	for _, tc := range tests {
		out = append(out, tc.name)
	}
	return append(out, leakCheck)
}

const leakCheck = "NoGoroutineLeaks"

// Run runs the conformance suite against the backend h reaches, one subtest
// per behaviour (see the package documentation). Tests that restart the
// broker run first and alone; the others run in parallel unless h.Serial.
// After all of them it checks that no goroutine was left behind. Do not run
// other tests of the same package in parallel with Run.
func Run(t *testing.T, h Harness) {
	if h.Open == nil {
		t.Fatal("mqtest: Harness.Open is nil")
	}
	h = h.withDefaults()
	for name := range h.Skip {
		if !known(name) {
			t.Errorf("mqtest: Harness.Skip names %q, which is not a test (names: %s)", name, strings.Join(TestNames(), ", "))
		}
	}
	leakOpts := append([]goleak.Option{goleak.IgnoreCurrent()}, h.IgnoreGoroutines...)
	t.Cleanup(func() {
		if reason, ok := h.Skip[leakCheck]; ok {
			t.Logf("mqtest: goroutine leak check skipped by the harness: %s", reason)
			return
		}
		if t.Failed() {
			// A failed test may leave a stuck handler behind; the leak
			// report would only repeat it.
			t.Log("mqtest: goroutine leak check not run because a subtest failed")
			return
		}
		goleak.VerifyNone(t, leakOpts...)
	})
	for _, tc := range tests {
		if tc.serial {
			t.Run(tc.name, func(t *testing.T) { runOne(t, &h, tc) })
		}
	}
	for _, tc := range tests {
		if !tc.serial {
			t.Run(tc.name, func(t *testing.T) {
				if !h.Serial {
					t.Parallel()
				}
				runOne(t, &h, tc)
			})
		}
	}
}

func known(name string) bool {
	for _, n := range TestNames() {
		if n == name {
			return true
		}
	}
	return false
}

func runOne(t *testing.T, h *Harness, tc test) {
	if reason, ok := h.Skip[tc.name]; ok {
		t.Skipf("skipped by the harness: %s", reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*h.Wait+time.Minute)
	t.Cleanup(cancel)
	tc.fn(&env{t: t, h: h, ctx: ctx})
}

// env is what one test works with.
type env struct {
	t    *testing.T
	h    *Harness
	ctx  context.Context
	caps *mq.Capabilities
}

var (
	runID   = strconv.FormatUint(rand.Uint64()%(36*36*36*36*36), 36)
	nameSeq atomic.Int64
)

// UniqueName returns prefix followed by a suffix unique to this process run
// and call, using letters, digits and '-' only (valid on every broker).
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s-%s-%d", prefix, runID, nameSeq.Add(1))
}

// short is the test's name reduced to letters and digits, for names.
func (e *env) short() string {
	n := e.t.Name()
	if i := strings.LastIndex(n, "/"); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, n)
	if len(n) > 20 {
		n = n[:20]
	}
	return n
}

// topic returns a fresh topic.
func (e *env) topic() string {
	e.t.Helper()
	if e.h.NewTopic != nil {
		tp := e.h.NewTopic(e.ctx, e.t)
		if tp == "" {
			e.t.Fatal("mqtest: Harness.NewTopic returned an empty topic")
		}
		return tp
	}
	return UniqueName("unimq-test-" + e.short())
}

// group returns a fresh group name.
func (e *env) group() string { return UniqueName("g-" + e.short()) }

// client opens a client that is closed at the end of the test.
func (e *env) client(opts ...mq.Option) *mq.Client {
	e.t.Helper()
	c, err := e.h.Open(e.ctx, e.t, opts...)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	if c == nil {
		e.t.Fatal("mqtest: the harness returned a nil client")
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		if err := c.Close(ctx); err != nil && !errors.Is(err, mq.ErrClosed) {
			e.t.Errorf("client Close: %v", err)
		}
	})
	if e.caps == nil {
		caps := c.Capabilities()
		e.caps = &caps
	}
	return c
}

// has reports whether the backend declares every capability in c.
func (e *env) has(c mq.Capability) bool {
	e.t.Helper()
	if e.caps == nil {
		e.client()
	}
	return e.caps.Has(c)
}

// mustDeclare fails the test when a capability its behaviour needs is not
// declared and the core cannot refuse it with ErrUnsupported: such a test
// can only be skipped through Harness.Skip, with a reason.
func (e *env) mustDeclare(c mq.Capability) {
	e.t.Helper()
	if !e.has(c) {
		e.t.Fatalf("backend %q does not declare %s, which %s needs and which the core cannot refuse; declare it or list %q in Harness.Skip with the reason",
			e.caps.Backend, c, e.t.Name(), e.short())
	}
}

// subscribe subscribes and closes the subscriber at the end of the test.
func (e *env) subscribe(c *mq.Client, topic string, h mq.Handler, opts ...mq.Option) *mq.Subscriber {
	e.t.Helper()
	s, err := c.Subscribe(e.ctx, topic, h, opts...)
	if err != nil {
		e.t.Fatalf("subscribe %s: %v", topic, err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		if err := s.Close(ctx); err != nil && !errors.Is(err, mq.ErrClosed) {
			e.t.Errorf("subscriber Close: %v", err)
		}
	})
	return s
}

// consumer opens a pull consumer closed at the end of the test.
func (e *env) consumer(c *mq.Client, topic string, opts ...mq.Option) *mq.Consumer {
	e.t.Helper()
	k, err := c.NewConsumer(e.ctx, topic, opts...)
	if err != nil {
		e.t.Fatalf("new consumer %s: %v", topic, err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), e.h.Wait)
		defer cancel()
		if err := k.Close(ctx); err != nil && !errors.Is(err, mq.ErrClosed) {
			e.t.Errorf("consumer Close: %v", err)
		}
	})
	return k
}

// publish publishes each message with Publish, failing the test on error.
func (e *env) publish(c *mq.Client, topic string, msgs ...*mq.Message) {
	e.t.Helper()
	for _, m := range msgs {
		if err := c.Publish(e.ctx, topic, m); err != nil {
			e.t.Fatalf("publish %q to %s: %v", m.ID, topic, err)
		}
	}
}

// fast is the retry policy of tests that expect redelivery.
func fast() mq.Option { return mq.WithBackoff(mq.ConstantBackoff(50 * time.Millisecond)) }

// msg builds a message whose body is "body-<id>".
func msg(id string) *mq.Message {
	return &mq.Message{ID: id, Body: []byte("body-" + id)}
}

// ids returns n ids "<prefix>-<i>".
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// msgs builds one message per id.
func msgs(ids []string) []*mq.Message {
	out := make([]*mq.Message, len(ids))
	for i, id := range ids {
		out[i] = msg(id)
	}
	return out
}

// checkBodies fails the test if a delivery's body is not the one msg built.
func (e *env) checkBodies(col *Collector) {
	e.t.Helper()
	for _, d := range col.Deliveries() {
		if want := "body-" + d.Msg.ID; string(d.Msg.Body) != want {
			e.t.Errorf("message %q: body %q, want %q", d.Msg.ID, d.Msg.Body, want)
		}
	}
}

// isErr fails the test unless err matches target.
func (e *env) isErr(err, target error, what string) {
	e.t.Helper()
	if err == nil {
		e.t.Errorf("%s: got nil error, want one matching %v", what, target)
		return
	}
	if !errors.Is(err, target) {
		e.t.Errorf("%s: got %v (code %v), want one matching %v", what, err, mq.CodeOf(err), target)
	}
}

// noPanic runs f, turning a panic into a test failure.
func (e *env) noPanic(what string, f func()) {
	e.t.Helper()
	defer func() {
		if r := recover(); r != nil {
			e.t.Errorf("%s panicked: %v", what, r)
		}
	}()
	f()
}

// waitCtx returns a context bounded by d within the test's context.
func (e *env) waitCtx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(e.ctx, d)
	e.t.Cleanup(cancel)
	return ctx
}
