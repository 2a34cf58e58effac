package kafka

import (
	"context"
	"errors"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// Declare creates topic when it is missing (with the URL's partitions and
// replication, whatever create_topics says) and makes each group that has
// never committed on it start at Declare's time: the end offset of every
// partition is committed for the group, so messages published after
// Declare returns are consumed by the group's first subscriber, even one
// starting from the newest. A group with committed offsets keeps them
// (Declare is idempotent). Committing needs the group to have no active
// member without offsets, which a group's first Subscribe never leaves.
func (c *conn) Declare(ctx context.Context, topic string, groups []string) error {
	const op = "declare"
	if c.isClosed() {
		return closedErr(op)
	}
	if err := driver.KafkaTopics.Check(op, "topic", topic); err != nil {
		return err
	}
	if _, ok := c.topics.Load(topic); !ok || !c.set.createTopics {
		if err := createTopic(ctx, c.client, c.admin, topic, c.set.partitions, c.set.replication); err != nil {
			return err
		}
		c.topics.Store(topic, struct{}{})
	}
	parts, err := c.client.Partitions(topic)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, op, "partitions of %q: %w", topic, err)
	}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return driver.Wrap(driver.CodeOf(err), op, err)
		}
		if err := c.declareGroup(topic, parts, g); err != nil {
			return err
		}
	}
	return nil
}

// declareGroup commits the end offsets of topic's partitions that group has
// no committed offset for.
func (c *conn) declareGroup(topic string, parts []int32, group string) error {
	const op = "declare"
	missing, err := c.uncommitted(topic, parts, group)
	if err != nil || len(missing) == 0 {
		return err
	}
	om, err := sarama.NewOffsetManagerFromClient(group, c.client)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, op, "group %q: %w", group, err)
	}
	var poms []sarama.PartitionOffsetManager
	defer func() {
		for _, pom := range poms {
			pom.AsyncClose()
		}
		_ = om.Close()
	}()
	for _, p := range missing {
		end, err := getOffset(c.client, topic, p, sarama.OffsetNewest)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, op, "end offset of %s/%d: %w", topic, p, err)
		}
		pom, err := om.ManagePartition(topic, p)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, op, "group %q: %w", group, err)
		}
		poms = append(poms, pom)
		pom.MarkOffset(end, "")
	}
	om.Commit()
	left, err := c.uncommitted(topic, parts, group)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return driver.Errorf(driver.CodeUnavailable, op, "group %q: the broker did not store its start offsets on %q (is a member without offsets active?)", group, topic)
	}
	return nil
}

// uncommitted returns the partitions of topic group has no committed
// offset for.
func (c *conn) uncommitted(topic string, parts []int32, group string) ([]int32, error) {
	resp, err := c.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: parts})
	if err == nil && resp.Err != sarama.ErrNoError {
		err = resp.Err
	}
	if err != nil {
		code := driver.CodeUnavailable
		if errors.Is(err, sarama.ErrInvalidGroupId) {
			code = driver.CodeInvalidArgument
		}
		return nil, driver.Errorf(code, "declare", "offsets of group %q: %w", group, err)
	}
	var out []int32
	for _, p := range parts {
		if b := resp.GetBlock(topic, p); b == nil || b.Err != sarama.ErrNoError || b.Offset < 0 {
			out = append(out, p)
		}
	}
	return out, nil
}
