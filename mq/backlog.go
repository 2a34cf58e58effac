package mq

import (
	"context"
	"errors"

	"github.com/unimq/unimq/mq/driver"
)

// Backlog returns how many messages of topic wait for group: published,
// visible, and not yet acknowledged by the group. It is the consumer lag an
// operator alerts on, asked of the broker now (one or a few round trips,
// bounded by ctx; never cached):
//
//   - Kafka: over the topic's partitions, the log end offset minus the
//     group's committed offset (a partition the group has not committed on
//     counts as a new group starting from the newest would: 0).
//   - RocketMQ: over the topic's queues, the broker's max offset minus the
//     group's consumer offset (queues without an offset count 0).
//   - RabbitMQ: the ready messages of the group's queue (the topic's queue
//     in the simple and worker modes), plus those of the group's retry
//     queues this client declared; messages delivered and not yet
//     acknowledged are not counted.
//   - memory: the group's messages not yet acknowledged (not delivered, in
//     flight, or waiting for redelivery).
//
// A group the broker holds nothing for on topic has a backlog of 0.
// Errors: ErrNotFound when the topic does not exist, ErrUnavailable when the
// broker cannot be asked, ErrTimeout / ErrCanceled when ctx ends first,
// ErrClosed after Close, ErrUnsupported for a backend that cannot tell.
// Safe for concurrent use.
func (c *Client) Backlog(ctx context.Context, topic, group string) (int64, error) {
	n, err := c.backlog(ctx, topic, group, driver.StartPosition{})
	return n, c.wrap("backlog", err)
}

func (c *Client) backlog(ctx context.Context, topic, group string, start driver.StartPosition) (int64, error) {
	const op = "backlog"
	if err := c.checkOpen(op); err != nil {
		return 0, err
	}
	if err := c.validTopic(op, topic); err != nil {
		return 0, err
	}
	if err := validGroup(op, group); err != nil {
		return 0, err
	}
	b, ok := c.conn.(driver.Backlogger)
	if !ok {
		return 0, driver.Errorf(driver.CodeUnsupported, op, "cannot tell a group's backlog")
	}
	if err := ctx.Err(); err != nil {
		return 0, ctxErr(op, err)
	}
	n, err := b.Backlog(ctx, topic, group, start)
	if err == nil {
		return n, nil
	}
	if cerr := ctx.Err(); cerr != nil {
		var e *Error
		if !errors.As(err, &e) || (e.Code != driver.CodeTimeout && e.Code != driver.CodeCanceled) {
			return 0, &Error{Code: driver.CodeOf(cerr), Op: op, Msg: driver.Detail(err), Err: cerr}
		}
	}
	return 0, driver.Wrap(driver.CodeUnavailable, op, err)
}

// Backlog returns how many messages of the subscriber's topic wait for its
// group (Client.Backlog), counting partitions its group has no position on
// yet from its start position (StartFrom, StartAt). A Broadcast subscriber
// has no group: ErrUnsupported. After Close: ErrClosed.
func (s *Subscriber) Backlog(ctx context.Context) (int64, error) {
	n, err := s.info.backlog(ctx, s.c, s.closed.Load())
	return n, s.c.wrap("backlog", err)
}

// Backlog returns how many messages of the consumer's topic wait for its
// group, as Subscriber.Backlog.
func (k *Consumer) Backlog(ctx context.Context) (int64, error) {
	n, err := k.info.backlog(ctx, k.c, k.closed.Load())
	return n, k.c.wrap("backlog", err)
}

// subInfo is what a Subscriber or Consumer tells of itself.
type subInfo struct {
	SubscriptionInfo
	start driver.StartPosition
}

func newSubInfo(topic string, set *settings, pull bool) subInfo {
	si := subInfo{SubscriptionInfo: SubscriptionInfo{Topic: topic, Group: set.group, Broadcast: set.broadcast, Pull: pull}, start: set.start}
	if set.broadcast {
		si.Group = ""
	}
	return si
}

func (si *subInfo) backlog(ctx context.Context, c *Client, closed bool) (int64, error) {
	const op = "backlog"
	if closed {
		return 0, &Error{Code: driver.CodeClosed, Op: op, Msg: "subscription closed"}
	}
	if si.Broadcast {
		return 0, driver.Errorf(driver.CodeUnsupported, op, "a broadcast subscriber has no group")
	}
	return c.backlog(ctx, si.Topic, si.Group, si.start)
}
