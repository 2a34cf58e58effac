package rocketmq

import (
	"context"
	"strconv"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

var _ driver.Backlogger = (*conn)(nil)

// Backlog returns how many messages of topic the unimq group group has not
// committed yet, as mq.Client.Backlog does (which is the portable call; this
// one stays for callers of the adapter's admin functions).
func Backlog(ctx context.Context, c *mq.Client, topic, group string) (int64, error) {
	const op = "backlog"
	rc, err := connOf(c, op)
	if err != nil {
		return 0, driver.Stamp(backend, op, err)
	}
	n, err := rc.Backlog(ctx, topic, group, driver.StartPosition{})
	return n, driver.Stamp(backend, op, err)
}

// Backlog (mq.Client.Backlog) sums, over every queue of topic, the
// broker's max offset minus the group's committed offset; queues where the
// group has committed nothing yet are not counted, whatever its start
// position (a new group commits its start offsets as soon as it runs or is
// declared). Messages waiting in the group's %RETRY% topic are not counted.
// It asks the name servers for the route and the brokers directly
// (GET_MAX_OFFSET, QUERY_CONSUMER_OFFSET), without ACL signing, bounded by
// ctx. group is mapped to its RocketMQ group as Subscribe does
// (group_names).
func (rc *conn) Backlog(ctx context.Context, topic, group string, _ driver.StartPosition) (int64, error) {
	const op = "backlog"
	if err := rc.checkOpen(op); err != nil {
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
