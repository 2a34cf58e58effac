package driver

import "context"

// Pinger is implemented by a Conn that can check its broker is reachable
// (Client.Ping). Ping makes one real round trip to the broker, never answers
// from a cache, and returns within ctx: nil when the broker answered, an
// error matching ErrUnavailable when it cannot be reached or the connection
// is down, ErrClosed after Close, ErrTimeout / ErrCanceled from ctx.
type Pinger interface {
	Ping(ctx context.Context) error
}
