package mq

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

// Declare creates topic and, for each of groups, what keeps the topic's
// messages for that group, before any subscriber exists: a fresh
// environment's first deploy can publish before its workers start, and
// nothing published after Declare returns nil is lost for those groups.
//
//   - Kafka and RocketMQ create the topic (with the client's partitions /
//     queues) when it is missing; a group that never committed starts at the
//     offsets of Declare's time.
//   - RabbitMQ declares the topic's exchange (exchange modes) or queue
//     (simple and worker modes) and one durable queue per group bound to it.
//   - memory creates the topic and the groups' positions.
//
// Declare is idempotent and blocks until the broker confirmed (bounded by
// ctx). Group names follow the same rule as mq.Group. A backend that cannot
// declare returns ErrUnsupported.
func (c *Client) Declare(ctx context.Context, topic string, groups ...string) error {
	return c.wrap("declare", c.declare(ctx, topic, groups))
}

func (c *Client) declare(ctx context.Context, topic string, groups []string) error {
	const op = "declare"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	if err := c.validTopic(op, topic); err != nil {
		return err
	}
	for _, g := range groups {
		if err := validGroup(op, g); err != nil {
			return err
		}
	}
	d, ok := c.conn.(driver.Declarer)
	if !ok {
		return driver.Errorf(driver.CodeUnsupported, op, "cannot declare topics")
	}
	return driver.Wrap(driver.CodeUnavailable, op, d.Declare(ctx, topic, groups))
}
