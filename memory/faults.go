package memory

import (
	"github.com/unimq/unimq/mq/driver"
)

// FailNextPublishes makes the next n publish calls of any client of the
// broker fail with err (nil: an error matching mq.ErrUnavailable) without
// storing anything. A call is one Publish, PublishBatch (the whole batch),
// PublishAsync (err reaches the callback), PublishOneWay or PublishTx
// (before local runs). Dead letters and check-back commits are not
// affected. n <= 0 cancels pending failures.
func (b *Broker) FailNextPublishes(n int, err error) {
	b.failMu.Lock()
	defer b.failMu.Unlock()
	if n < 0 {
		n = 0
	}
	b.failErr = err
	b.failN.Store(int64(n))
}

// injected returns the injected failure for this publish, if any.
func (b *Broker) injected(op string) error {
	if b.down.Load() {
		return b.unavailable(op)
	}
	if b.failN.Load() <= 0 {
		return nil
	}
	b.failMu.Lock()
	defer b.failMu.Unlock()
	if b.failN.Load() <= 0 {
		return nil
	}
	b.failN.Add(-1)
	if b.failErr != nil {
		return b.failErr
	}
	return driver.Errorf(driver.CodeUnavailable, op, "injected failure (Broker.FailNextPublishes)")
}

// DuplicateNext makes the next n deliveries (to any subscriber of the
// broker) arrive twice, as an at-least-once broker may after a lost ack.
// Both copies carry the same BrokerID, Offset and Attempt. The first copy is
// the real delivery; settling the second has no effect on the message (its
// DeadLetter still publishes a dead letter). n <= 0 cancels.
func (b *Broker) DuplicateNext(n int) {
	if n < 0 {
		n = 0
	}
	b.dupN.Store(int64(n))
}

func (b *Broker) takeDup() bool {
	for {
		n := b.dupN.Load()
		if n <= 0 {
			return false
		}
		if b.dupN.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// DropConnections simulates every client losing its connection to the
// broker: each subscription's unsettled deliveries go back to their group
// for redelivery (Attempt+1, to any member), acknowledging them afterwards
// fails with an error matching mq.ErrUnavailable, and the next Receive of
// each subscription returns such an error once. The mq consume loop retries
// with backoff and the subscription resumes; a pull Consumer returns the
// error from one Receive. Publishing is not affected.
func (b *Broker) DropConnections() {
	for _, t := range b.topicList() {
		t.mu.Lock()
		for _, g := range t.glist {
			for _, s := range g.members {
				s.returnInflight()
				s.dropped = true
				s.signalLocked()
			}
			if g.hasReady() {
				g.wake()
			}
		}
		t.mu.Unlock()
	}
}

// SetUnavailable makes the broker unreachable (down true) until it is
// called again with false, as a real broker that stopped or a network that
// broke: while it is down, Client.Ping fails with an error matching
// mq.ErrUnavailable, and so do every publish (nothing is stored) and every
// Receive; going down drops every connection as DropConnections does, so
// in-flight deliveries return to their groups. Subscribers retry with
// backoff and resume once the broker is up again. Delayed messages and
// check-backs already scheduled keep running, as they would on the broker.
func (b *Broker) SetUnavailable(down bool) {
	if b.down.Swap(down) == down || !down {
		return
	}
	b.DropConnections()
}

func (b *Broker) unavailable(op string) error {
	return driver.Errorf(driver.CodeUnavailable, op, "broker %q is unavailable (Broker.SetUnavailable)", b.name)
}
