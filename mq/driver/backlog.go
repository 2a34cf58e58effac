package driver

import "context"

// Backlogger is implemented by a Conn that can tell how many messages of a
// topic wait for a group (Client.Backlog, Subscriber.Backlog,
// Consumer.Backlog): published, visible, and not yet settled by the group
// (not delivered, delivered but not acknowledged, or waiting for
// redelivery, as far as the broker can tell them apart).
//
// Backlog makes real round trips to the broker (never answers from a
// cache) and returns within ctx. start is where the group starts on a
// partition or queue it has no position on yet (Kafka counts such a
// partition from that point, others ignore it). A group the broker holds
// nothing for on topic has a backlog of 0. Errors: ErrNotFound when the
// topic does not exist, ErrUnavailable when the broker cannot be asked,
// ErrClosed after Close, ErrTimeout / ErrCanceled from ctx.
type Backlogger interface {
	Backlog(ctx context.Context, topic, group string, start StartPosition) (int64, error)
}
