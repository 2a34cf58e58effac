package mq

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// SubscriberState is what a readiness probe reads of a Subscriber
// (Subscriber.State).
type SubscriberState struct {
	// Connected is false after a receive from the broker failed, until one
	// succeeds again (or has waited half a second for messages without
	// failing: an idle subscription), and after Close.
	Connected bool
	// Since is when Connected last changed (at first: when Subscribe
	// returned).
	Since time.Time
	// LastError is the last receive error (ErrClosed after Close), nil
	// when none happened; LastErrorAt is when.
	LastError   error
	LastErrorAt time.Time
	// Failures counts the receives that failed in a row (0 while connected).
	Failures int
}

// health records a Subscriber's state. ok is cheap while nothing failed
// (one atomic load), so the receive loop may call it after every receive.
type health struct {
	down atomic.Bool // a failure not yet followed by a success
	mu   sync.Mutex
	st   SubscriberState
}

func newHealth(now time.Time) *health {
	return &health{st: SubscriberState{Connected: true, Since: now}}
}

// ok records a successful receive; while nothing failed it is one atomic
// load (no clock read).
func (h *health) ok() {
	if !h.down.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st.Connected {
		return
	}
	h.st.Connected, h.st.Since, h.st.Failures = true, time.Now(), 0
	h.down.Store(false)
}

// failed records a failed receive.
func (h *health) failed(err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st.Connected {
		h.st.Connected, h.st.Since = false, now
	}
	h.st.LastError, h.st.LastErrorAt = err, now
	h.st.Failures++
	h.down.Store(true)
}

// received is the engine's Received callback (and the driver's link
// callback): it records each receive's outcome, with a failure's error as
// the API reports it.
func (h *health) received(c *Client) func(error) {
	return func(err error) {
		if err == nil {
			h.ok()
			return
		}
		h.failed(c.wrap("receive", err), time.Now())
	}
}

// watch makes h follow the driver subscription's own account of its
// connection, for a backend that reconnects inside Receive.
func (h *health) watch(c *Client, sub driver.Subscription) {
	if ss, ok := sub.(stampedSub); ok {
		ss.watchLink(h.received(c))
	}
}

func (h *health) state() SubscriberState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}

// State returns the subscriber's connection state for a readiness probe.
// It does not block on the network and is safe to call at any time,
// concurrently with everything else.
//
// Connected turns false when a receive from the broker fails and true
// again when one succeeds (or has waited half a second without failing);
// after Close it is false with ErrClosed. RabbitMQ and Kafka, whose
// clients reconnect by themselves inside Receive, tell their connection
// directly (driver.LinkWatcher): Connected turns false when the
// subscription's connection (RabbitMQ) or group session (Kafka) is lost,
// and true once it consumes again. RocketMQ's client reconnects without
// telling: there State stays true through an outage and Ping is the probe
// for the broker. Use State with Client.Ping: Ping asks the broker now,
// State says whether this subscription is consuming.
func (s *Subscriber) State() SubscriberState {
	if !s.closed.Load() && s.health != nil {
		return s.health.state()
	}
	return SubscriberState{LastError: &Error{Code: driver.CodeClosed, Op: "state", Msg: "subscriber closed"}}
}
