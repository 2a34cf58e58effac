package kafka

import (
	"context"
	"errors"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Backlogger = (*conn)(nil)

// Backlog (mq.Client.Backlog) sums, over the partitions of topic and of the
// group's retry topic (RetryTopic, when it exists), the log end offset
// minus the group's committed offset. A partition the group has not
// committed on counts from where the group would start there (start; the
// retry topic from its oldest record), so a group that never ran counts 0
// unless it starts from the oldest. The topics are looked up with a
// metadata request that never creates them. sarama takes no ctx: the round
// trips run on a goroutine of their own, which ends when they are
// answered or fail (sarama's timeouts, or Close); Backlog waits for it only
// as long as ctx.
func (c *conn) Backlog(ctx context.Context, topic, group string, start driver.StartPosition) (int64, error) {
	const op = "backlog"
	if c.isClosed() {
		return 0, closedErr(op)
	}
	if err := ctx.Err(); err != nil {
		return 0, &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	type result struct {
		n   int64
		err error
	}
	res := make(chan result, 1)
	go func() {
		n, err := c.backlog(topic, group, start)
		res <- result{n, err}
	}()
	select {
	case r := <-res:
		return r.n, r.err
	case <-ctx.Done():
		return 0, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op,
			Msg: "no answer from the Kafka brokers", Err: ctx.Err()}
	}
}

func (c *conn) backlog(topic, group string, start driver.StartPosition) (int64, error) {
	const op = "backlog"
	retry := RetryTopic(topic, group)
	md, err := c.admin.DescribeTopics([]string{topic, retry})
	if err != nil {
		return 0, driver.Errorf(driver.CodeUnavailable, op, "topic %q: %w", topic, err)
	}
	parts := map[string][]int32{}
	for _, t := range md {
		switch {
		case errors.Is(t.Err, sarama.ErrNoError):
		case t.Name == topic && errors.Is(t.Err, sarama.ErrUnknownTopicOrPartition):
			return 0, driver.Errorf(driver.CodeNotFound, op, "no topic %q", topic)
		case t.Name == topic:
			return 0, driver.Errorf(driver.CodeUnavailable, op, "topic %q: %w", topic, t.Err)
		default:
			continue // no retry topic (yet): nothing waits there
		}
		for _, p := range t.Partitions {
			parts[t.Name] = append(parts[t.Name], p.ID)
		}
	}
	resp, err := c.admin.ListConsumerGroupOffsets(group, parts)
	if err == nil && !errors.Is(resp.Err, sarama.ErrNoError) {
		err = resp.Err
	}
	if err != nil {
		return 0, driver.Errorf(driver.CodeUnavailable, op, "offsets of group %q: %w", group, err)
	}
	var sum int64
	for t, ps := range parts {
		for _, p := range ps {
			end, err := getOffset(c.client, t, p, sarama.OffsetNewest)
			if err != nil {
				return 0, driver.Errorf(driver.CodeUnavailable, op, "end offset of %s/%d: %w", t, p, err)
			}
			from := int64(-1)
			if b := resp.GetBlock(t, p); b != nil && errors.Is(b.Err, sarama.ErrNoError) && b.Offset >= 0 {
				from = b.Offset
			} else if t == retry {
				from, err = getOffset(c.client, t, p, sarama.OffsetOldest)
			} else {
				from, err = startOffset(c.client, t, p, start)
			}
			if err != nil {
				return 0, driver.Errorf(driver.CodeUnavailable, op, "start offset of %s/%d: %w", t, p, err)
			}
			if end > from {
				sum += end - from
			}
		}
	}
	return sum, nil
}
