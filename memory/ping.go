package memory

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Pinger = (*conn)(nil)

// Ping answers for the broker (mq.Client.Ping): nil while it is up, an error
// matching mq.ErrUnavailable while Broker.SetUnavailable holds it down,
// mq.ErrClosed after Close, and ctx's error
// when ctx is done.
func (c *conn) Ping(ctx context.Context) error {
	const op = "ping"
	if c.isClosed.Load() {
		return c.closedErr(op)
	}
	if err := ctx.Err(); err != nil {
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	if c.b.down.Load() {
		return c.b.unavailable(op)
	}
	return nil
}
