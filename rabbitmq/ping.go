package rabbitmq

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Pinger = (*conn)(nil)

// Ping checks both of the client's AMQP connections (publishing and
// consuming) with a round trip each: it opens a channel on the live
// connection and closes it (channel.open / channel.close, each answered by
// the broker). A connection that is down (the client is reconnecting) fails
// at once with an error matching mq.ErrUnavailable, without waiting for the
// reconnection; a broker that does not answer fails when ctx ends.
func (c *conn) Ping(ctx context.Context) error {
	const op = "ping"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	for _, l := range []*link{c.pub, c.sub} {
		if err := c.pingLink(ctx, op, l); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) pingLink(ctx context.Context, op string, l *link) error {
	conn := l.connection()
	if conn == nil || conn.IsClosed() {
		return driver.Errorf(driver.CodeUnavailable, op, "%s connection down, reconnecting", l.name)
	}
	// amqp091's Channel and Close take no ctx: they return when the broker
	// answers or the connection closes (at the latest when Close closes it,
	// before it waits for c.wg). Ping waits for them only as long as ctx.
	res := make(chan error, 1)
	if !c.spawn(func() {
		ch, err := conn.Channel()
		if err == nil {
			err = ch.Close()
		}
		res <- err
	}) {
		return c.checkOpen(op)
	}
	select {
	case err := <-res:
		if err == nil {
			return nil
		}
		// Whatever stops a channel from opening on a live connection (the
		// connection lost mid-call: "Exception (501) EOF", channel_max
		// reached, a broker closing) leaves the broker unusable for now.
		return &driver.Error{Code: driver.CodeUnavailable, Op: op, Err: err}
	case <-ctx.Done():
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op,
			Msg: "no answer from the broker on the " + l.name + " connection", Err: ctx.Err()}
	}
}
