// Package mqtest is the conformance suite every unimq backend passes. A
// backend's conformance test is a few lines:
//
//	func TestConformance(t *testing.T) {
//		mqtest.Run(t, mqtest.Harness{
//			Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) {
//				return mq.Open(ctx, "memory://conformance")
//			},
//		})
//	}
//
// The suite switches on the capabilities the backend declares
// (Client.Capabilities): a declared capability is tested for behaviour, an
// undeclared one is tested to fail with mq.ErrUnsupported before anything is
// sent. Nothing is skipped silently: tests that cannot run on a backend say
// why in Harness.Skip, and the reason is printed.
package mqtest

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// Harness tells the suite how to reach the backend under test.
type Harness struct {
	// Open returns a new client. Every client opened by one Harness must
	// reach the same broker (for memory, the same named broker). The suite
	// closes what it opens.
	Open func(ctx context.Context, t testing.TB) (*mq.Client, error)

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
	Skip map[string]string
}
