package rocketmq

import (
	"context"
	"strconv"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// Backlog returns how many messages of topic the unimq group group has not
// committed yet: over every queue of the topic, the broker's max offset
// minus the group's committed offset (queues where the group has committed
// nothing yet are not counted). It asks the brokers directly
// (GET_MAX_OFFSET, QUERY_CONSUMER_OFFSET), without ACL signing. group is
// mapped to its RocketMQ group as Subscribe does (group_names).
func Backlog(ctx context.Context, c *mq.Client, topic, group string) (int64, error) {
	const op = "backlog"
	rc, err := connOf(c, op)
	if err != nil {
		return 0, err
	}
	g, err := rc.groupName(topic, group)
	if err != nil {
		return 0, err
	}
	full := rc.fullTopic(topic)
	r, err := remoting.QueryRoute(ctx, rc.cfg.nameServers, full)
	if err != nil {
		return 0, driver.Wrap(driver.CodeUnavailable, op, err)
	}
	if r == nil {
		return 0, driver.Errorf(driver.CodeNotFound, op, "topic %s has no route", topic)
	}
	var sum int64
	for addr, n := range r.PerBroker {
		for q := 0; q < n; q++ {
			ext := map[string]string{"topic": full, "queueId": strconv.Itoa(q)}
			h, _, err := remoting.Invoke(ctx, addr, remoting.ReqGetMaxOffset, ext)
			if err != nil {
				return 0, driver.Wrap(driver.CodeUnavailable, op, err)
			}
			if h.Code != remoting.ResSuccess {
				return 0, driver.Errorf(driver.CodeUnavailable, op, "broker %s: max offset: code %d", addr, h.Code)
			}
			maxOff, _ := strconv.ParseInt(h.ExtFields["offset"], 10, 64)
			h, _, err = remoting.Invoke(ctx, addr, remoting.ReqQueryConsumerOffset, map[string]string{
				"consumerGroup": rc.nsGroup(g), "topic": full, "queueId": strconv.Itoa(q), "setZeroIfNotFound": "false"})
			if err != nil {
				return 0, driver.Wrap(driver.CodeUnavailable, op, err)
			}
			if h.Code != remoting.ResSuccess {
				continue // the group has no offset for this queue
			}
			off, _ := strconv.ParseInt(h.ExtFields["offset"], 10, 64)
			if maxOff > off {
				sum += maxOff - off
			}
		}
	}
	return sum, nil
}
