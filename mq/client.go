package mq

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/unimq/unimq/mq/driver"
)

// Capabilities describes what a backend can do; see Client.Capabilities.
type Capabilities = driver.Capabilities

// Capability is one feature; combine with |.
type Capability = driver.Capability

// Capability values, re-exported from package driver.
const (
	CapSyncPublish     = driver.CapSyncPublish
	CapAsyncPublish    = driver.CapAsyncPublish
	CapOneWay          = driver.CapOneWay
	CapBatch           = driver.CapBatch
	CapDelay           = driver.CapDelay
	CapTransactions    = driver.CapTransactions
	CapTxCheckBack     = driver.CapTxCheckBack
	CapOrdered         = driver.CapOrdered
	CapGroups          = driver.CapGroups
	CapBroadcast       = driver.CapBroadcast
	CapTagFilter       = driver.CapTagFilter
	CapPatternFilter   = driver.CapPatternFilter
	CapStartOldest     = driver.CapStartOldest
	CapStartTime       = driver.CapStartTime
	CapDeadLetter      = driver.CapDeadLetter
	CapPull            = driver.CapPull
	CapPartitions      = driver.CapPartitions
	CapReconnect       = driver.CapReconnect
	CapRedeliveryDelay = driver.CapRedeliveryDelay
)

// Client is a connection to one backend. It is safe for concurrent use by
// many goroutines; a service normally holds one for its lifetime.
type Client struct {
	conn   driver.Conn
	set    *settings
	caps   driver.Capabilities
	url    string // redacted
	log    *slog.Logger
	closed atomic.Bool

	mu      sync.Mutex
	subs    map[closer]struct{}
	pending sync.WaitGroup // async publishes not yet completed
}

type closer interface {
	Close(ctx context.Context) error
}

func newClient(conn driver.Conn, s *settings, redacted string) *Client {
	c := &Client{conn: conn, set: s, caps: conn.Capabilities(), url: redacted, log: s.logger, subs: map[closer]struct{}{}}
	if s.maxSize > 0 {
		c.caps.MaxMessageSize = s.maxSize
	}
	stampBackend(s, c.caps.Backend)
	if c.caps.Topics == (driver.NameRule{}) {
		c.caps.Topics = driver.BaseTopics
	}
	return c
}

// String returns the backend URL with credentials redacted.
func (c *Client) String() string { return c.url }

// Capabilities reports what the backend supports.
func (c *Client) Capabilities() Capabilities { return c.caps }

// Require returns nil when the backend has every capability in need, else an
// ErrUnsupported naming what is missing. Call it at start-up to fail fast
// when configuration picks a backend that lacks a feature the service needs.
func (c *Client) Require(need Capability) error {
	if m := c.caps.Missing(need); m != 0 {
		return c.wrap("require", driver.Errorf(driver.CodeUnsupported, "require", "lacks %s", m))
	}
	return nil
}

// As sets target to a backend type (see each backend's documentation, e.g.
// *sarama.Client, *amqp091.Connection) and reports whether it could.
func (c *Client) As(target any) bool { return c.conn.As(target) }

func (c *Client) checkOpen(op string) error {
	if c.closed.Load() {
		return &Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	return nil
}

func (c *Client) track(x closer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.subs[x] = struct{}{}
	return true
}

func (c *Client) untrack(x closer) {
	c.mu.Lock()
	delete(c.subs, x)
	c.mu.Unlock()
}

// Close stops intake on every Subscriber and Consumer of the client, waits
// (bounded by ctx) for running handlers and pending async publishes, settles
// what finished, and closes the connection. No goroutine of the client or its
// backend remains once it returns nil. Later calls return ErrClosed.
func (c *Client) Close(ctx context.Context) error {
	return c.wrap("close", c.close(ctx))
}

func (c *Client) close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed.Swap(true) {
		c.mu.Unlock()
		return &Error{Code: driver.CodeClosed, Msg: "client already closed"}
	}
	subs := make([]closer, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()

	var first error
	var wg sync.WaitGroup
	var emu sync.Mutex
	for _, s := range subs {
		wg.Add(1)
		go func(s closer) {
			defer wg.Done()
			if err := s.Close(ctx); err != nil && CodeOf(err) != driver.CodeClosed {
				emu.Lock()
				if first == nil {
					first = err
				}
				emu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	// The driver flushes async sends and calls their callbacks on Close.
	if err := c.conn.Close(ctx); err != nil && first == nil {
		first = driver.Wrap(driver.CodeUnavailable, "close", err)
	}
	done := make(chan struct{})
	go func() { c.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if first == nil {
			first = ctxErr("close", ctx.Err())
		}
	}
	return first
}
