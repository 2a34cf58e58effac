package rabbitmq

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// link is one AMQP connection kept alive: when the broker closes it or the
// network drops it, its supervisor goroutine redials with backoff until
// close; with several nodes in the URL it dials them in turn, starting after
// the node it lost. Users of the link notice the loss through their own channels
// (closed deliveries, closed confirm listeners) and ask current() for the
// new connection, which blocks while the link is down.
type link struct {
	name string
	cfg  *config
	log  *slog.Logger

	ctx    context.Context // canceled by close
	cancel context.CancelFunc
	done   chan struct{} // supervisor ended

	mu   sync.Mutex
	conn *amqp.Connection // nil while down
	node int              // index in cfg.nodes of conn (or of the last one)
	gen  uint64           // incremented at every new connection
	genA atomic.Uint64    // gen, readable without mu
	up   chan struct{}    // closed while conn is set
}

func newLink(ctx context.Context, cfg *config, log *slog.Logger, name string) (*link, error) {
	conn, node, err := cfg.dialAny(ctx, name, 0)
	if err != nil {
		return nil, err
	}
	l := &link{name: name, cfg: cfg, log: log, conn: conn, node: node, gen: 1, up: make(chan struct{}), done: make(chan struct{})}
	close(l.up)
	l.genA.Store(1)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	go l.supervise()
	return l, nil
}

// current returns the open connection and its generation, waiting while the
// link reconnects (bounded by ctx).
func (l *link) current(ctx context.Context) (*amqp.Connection, uint64, error) {
	for {
		l.mu.Lock()
		conn, gen, up := l.conn, l.gen, l.up
		l.mu.Unlock()
		if l.ctx.Err() != nil {
			return nil, 0, driver.Errorf(driver.CodeClosed, "connect", "client closed")
		}
		if conn != nil && !conn.IsClosed() {
			return conn, gen, nil
		}
		wait := up
		if conn != nil {
			// Closed but the supervisor has not noticed yet: look again soon.
			t := time.NewTimer(20 * time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, 0, driver.Wrap(driver.CodeOf(ctx.Err()), "connect", ctx.Err())
			case <-l.ctx.Done():
				t.Stop()
			}
			continue
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, 0, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "connect",
				Msg: "broker unreachable, reconnecting", Err: ctx.Err()}
		case <-l.ctx.Done():
		}
	}
}

// generation returns the number of the current (or last) connection.
func (l *link) generation() uint64 { return l.genA.Load() }

// connection returns the open connection without waiting, or nil.
func (l *link) connection() *amqp.Connection {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn
}

func (l *link) supervise() {
	defer close(l.done)
	for {
		l.mu.Lock()
		conn, node := l.conn, l.node
		l.mu.Unlock()
		if conn == nil {
			// close took the connection before this goroutine first ran
			// (a client closed right after Open): the link is closing.
			return
		}
		lost := conn.NotifyClose(make(chan *amqp.Error, 1))
		var reason *amqp.Error
		select {
		case <-l.ctx.Done():
			return
		case reason = <-lost:
		}
		if l.ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		l.conn = nil
		l.up = make(chan struct{})
		l.mu.Unlock()
		msg := "connection closed"
		if reason != nil {
			msg = reason.Error()
		}
		l.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq rabbitmq: connection lost; reconnecting",
			slog.String("connection", l.name), slog.String("url", l.cfg.nodeLabel(node)), slog.String("reason", msg))
		for attempt := 1; ; attempt++ {
			if !kit.Sleep(l.ctx, reconnectBackoff(attempt)) {
				return
			}
			// The lost node last: another node of the list is likelier up.
			c, idx, err := l.cfg.dialAny(l.ctx, l.name, node+1)
			if err != nil {
				if attempt == 1 || attempt%10 == 0 {
					l.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq rabbitmq: reconnect failed; retrying",
						slog.String("connection", l.name), slog.Int("attempt", attempt), slog.String("error", err.Error()))
				}
				continue
			}
			if l.ctx.Err() != nil {
				_ = c.Close()
				return
			}
			l.mu.Lock()
			l.conn = c
			l.node = idx
			l.gen++
			l.genA.Store(l.gen)
			close(l.up)
			l.mu.Unlock()
			l.log.LogAttrs(context.Background(), slog.LevelInfo, "unimq rabbitmq: reconnected",
				slog.String("connection", l.name), slog.String("url", l.cfg.nodeLabel(idx)), slog.Int("attempts", attempt))
			break
		}
	}
}

// close stops reconnecting and closes the connection.
func (l *link) close(ctx context.Context) {
	l.cancel()
	l.mu.Lock()
	conn := l.conn
	l.conn = nil
	l.mu.Unlock()
	if conn != nil {
		deadline := time.Now().Add(5 * time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = conn.CloseDeadline(deadline)
	}
	<-l.done
}

// reconnectBackoff doubles from 100ms to 5s with jitter.
func reconnectBackoff(attempt int) time.Duration {
	return kit.Backoff(attempt, 100*time.Millisecond, 5*time.Second)
}
