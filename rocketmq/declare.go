package rocketmq

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Declarer = (*conn)(nil)

// Declare implements driver.Declarer: it creates topic when missing (with
// the URL's queues, on every broker of the cluster, like the first Publish
// or Subscribe) and waits for its route; then, for each group that has
// never consumed the topic, it creates the group's retry topic and commits
// the queues' current max offsets as the group's positions, so the group's
// first subscriber starts at Declare's time and gets every message
// published after Declare returned, whatever its start position says. A
// group that already has positions keeps them.
//
// The offset requests are not signed: with ACL credentials the positions
// are left to the broker (as for Subscribe, offsets.go).
func (c *conn) Declare(ctx context.Context, topic string, groups []string) error {
	const op = "declare"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	if err := driver.RocketMQTopics.Check(op, "topic", topic); err != nil {
		return err
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		name, err := c.groupName(topic, g)
		if err != nil {
			return err
		}
		names[i] = name
	}
	if err := c.ensureTopic(ctx, op, topic, c.cfg.queues); err != nil {
		return err
	}
	for _, g := range names {
		retry := "%RETRY%" + g
		if c.cfg.namespace != "" {
			retry = "%RETRY%" + c.cfg.namespace + "%" + g // as the client names it
		}
		if err := c.ensureFull(ctx, op, retry, 1); err != nil {
			return err
		}
		start := &driver.SubscriptionConfig{Topic: topic, Group: g, Start: driver.StartPosition{Kind: driver.StartNewest}}
		if err := c.presetOffsets(ctx, g, start); err != nil {
			return c.routeErr(ctx, op, topic, err)
		}
	}
	return nil
}

// groupName is the RocketMQ consumer group of unimq group on topic, the one
// Subscribe uses (kept in one place so that Declare and Subscribe agree).
func (c *conn) groupName(topic, group string) (string, error) {
	g, _, err := c.rocketGroup(&driver.SubscriptionConfig{Topic: topic, Group: group})
	return g, err
}
