package mqtest

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/mq"
)

// Harness tells the suite how to reach the backend under test.
type Harness struct {
	// Open returns a new client opened with opts, which it must pass to
	// mq.Open (the suite gives options such as WithTxChecker for
	// Transactions check-back and MaxMessageSize for LargeAndOversize; most
	// calls give none). Every client opened by one Harness must reach the
	// same broker (for memory, the same named broker). The suite closes what
	// it opens.
	Open func(ctx context.Context, t testing.TB, opts ...mq.Option) (*mq.Client, error)

	// NewTopic returns a topic name no other test uses, ready for publish and
	// subscribe (created and routable, where the broker needs that). Nil: the
	// suite makes a unique name ("unimq-test-<n>", letters, digits, '-' and
	// '_' only) and relies on auto-creation.
	NewTopic func(ctx context.Context, t testing.TB) string

	// Restart restarts the broker, keeping its data, for the reconnect test.
	// Nil: that test is reported as skipped with the reason in Skip or
	// "no Restart in harness".
	Restart func(ctx context.Context, t testing.TB) error

	// Wait bounds how long the suite waits for an expected delivery.
	// Default 15s.
	Wait time.Duration

	// Quiet is how long the suite watches for a delivery that must NOT
	// happen (a filtered message, a second copy). Default 500ms.
	Quiet time.Duration

	// DelayTolerance is how late a delayed message may arrive. Default 2s.
	DelayTolerance time.Duration

	// Skip names tests (by their subtest name) that cannot run on this
	// backend, with the reason, which the suite prints with t.Skip.
	// "NoGoroutineLeaks" names the goroutine check at the end of Run.
	Skip map[string]string

	// CheckBackWait bounds how long the suite waits for the broker's
	// transaction check-back to resolve an unknown outcome. Default: Wait.
	CheckBackWait time.Duration

	// IgnoreGoroutines are passed to goleak.VerifyNone at the end of Run,
	// for goroutines a client library starts once per process and never
	// stops (its documented global workers). Goroutines running when Run
	// starts are ignored already.
	IgnoreGoroutines []goleak.Option

	// Serial runs the subtests one at a time instead of in parallel.
	Serial bool

	// RebalanceReplays, when not empty, declares (with the reason) that a
	// member joining a group may be handed messages an existing member
	// acknowledged just before the move, because the backend has no
	// revocation step to commit at (RocketMQ's clustering rebalance for
	// unordered consumers). GracefulHandover/rebalance then reports the
	// replays instead of failing on them; it still fails when a message is
	// lost, and GracefulHandover/close still requires 0 replays.
	RebalanceReplays string
}

// withDefaults fills the zero durations.
func (h Harness) withDefaults() Harness {
	if h.Wait <= 0 {
		h.Wait = 15 * time.Second
	}
	if h.Quiet <= 0 {
		h.Quiet = 500 * time.Millisecond
	}
	if h.DelayTolerance <= 0 {
		h.DelayTolerance = 2 * time.Second
	}
	if h.CheckBackWait <= 0 {
		h.CheckBackWait = h.Wait
	}
	return h
}
