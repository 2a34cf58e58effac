package mq

import (
	"context"
	"errors"

	"github.com/unimq/unimq/mq/driver"
)

// Ping makes one round trip to the broker, bounded by ctx, for a health or
// readiness probe: nil means the broker answered just now.
//
//   - Kafka: a metadata request to a connected broker.
//   - RabbitMQ: an AMQP channel opened and closed on the live connection.
//   - RocketMQ: a route query to the name server and a round trip to a broker.
//   - memory: fails while the broker is made unavailable (Broker.SetUnavailable).
//
// Errors: ErrUnavailable (retryable) when the broker cannot be reached,
// ErrTimeout or ErrCanceled when ctx ends first, ErrClosed after Close, and
// ErrUnsupported for a backend that cannot ping.
func (c *Client) Ping(ctx context.Context) error {
	return c.wrap("ping", c.ping(ctx))
}

func (c *Client) ping(ctx context.Context) error {
	const op = "ping"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	p, ok := c.conn.(driver.Pinger)
	if !ok {
		return driver.Errorf(driver.CodeUnsupported, op, "cannot ping")
	}
	if err := ctx.Err(); err != nil {
		return ctxErr(op, err)
	}
	err := p.Ping(ctx)
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		var e *Error
		if !errors.As(err, &e) || (e.Code != driver.CodeTimeout && e.Code != driver.CodeCanceled) {
			// ctx ended the round trip: report that (the cause as text,
			// so the error carries one code).
			return &Error{Code: driver.CodeOf(cerr), Op: op, Msg: driver.Detail(err), Err: cerr}
		}
	}
	return driver.Wrap(driver.CodeUnavailable, op, err)
}
