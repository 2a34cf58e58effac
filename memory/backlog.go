package memory

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Backlogger = (*conn)(nil)

// Backlog answers mq.Client.Backlog from the broker's books: the messages of
// topic group has not acknowledged (Broker.Backlog: not delivered, in
// flight, or waiting for redelivery; delayed and uncommitted ones are not
// visible yet and do not count). A group that never subscribed (or was
// declared) has none. It fails like Ping while Broker.SetUnavailable holds
// the broker down, and with mq.ErrNotFound for a topic never published to,
// subscribed or declared.
func (c *conn) Backlog(ctx context.Context, topic, group string, _ driver.StartPosition) (int64, error) {
	const op = "backlog"
	switch {
	case c.isClosed.Load():
		return 0, c.closedErr(op)
	case ctx.Err() != nil:
		return 0, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Err: ctx.Err()}
	case c.b.down.Load():
		return 0, c.b.unavailable(op)
	}
	if c.b.existing(topic) == nil {
		return 0, driver.Errorf(driver.CodeNotFound, op, "no topic %q", topic)
	}
	return int64(c.b.Backlog(topic, group)), nil
}
