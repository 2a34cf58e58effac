package rocketmq

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// CommittedSum returns the sum of group's committed offsets over the queues
// of topic (with a fresh topic: how many messages the group has committed),
// asking the brokers directly. For tests.
func CommittedSum(ctx context.Context, client *mq.Client, group, topic string) (int64, error) {
	c, err := connOf(client, "committed sum")
	if err != nil {
		return 0, err
	}
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, c.fullTopic(topic))
	if err != nil || r == nil {
		return 0, fmt.Errorf("route of %s: %v", topic, err)
	}
	var sum int64
	for addr, n := range r.PerBroker {
		for q := 0; q < n; q++ {
			h, _, err := remoting.Invoke(ctx, addr, remoting.ReqQueryConsumerOffset, map[string]string{
				"consumerGroup": c.nsGroup(group), "topic": c.fullTopic(topic), "queueId": strconv.Itoa(q), "setZeroIfNotFound": "false"})
			if err != nil {
				return 0, err
			}
			if h.Code != remoting.ResSuccess {
				continue
			}
			off, _ := strconv.ParseInt(h.ExtFields["offset"], 10, 64)
			sum += off
		}
	}
	return sum, nil
}

// SetCallbackReturnHook has f run before every successful consume callback
// returns to the client (a client slow to apply results) until restore.
func SetCallbackReturnHook(f func()) (restore func()) {
	callbackReturnHook.Store(&f)
	return func() { callbackReturnHook.Store(nil) }
}

// SetCallbackEnterHook has f run when a consume callback starts, with the
// queue offsets of its messages, until restore.
func SetCallbackEnterHook(f func(offsets []int64)) (restore func()) {
	h := func(msgs []*primitive.MessageExt) {
		offs := make([]int64, len(msgs))
		for i, m := range msgs {
			offs[i] = m.QueueOffset
		}
		f(offs)
	}
	callbackEnterHook.Store(&h)
	return func() { callbackEnterHook.Store(nil) }
}

// SetHandOverHook has f run in Close once the callbacks being handed over
// are taken, until restore.
func SetHandOverHook(f func()) (restore func()) {
	handOverHook.Store(&f)
	return func() { handOverHook.Store(nil) }
}
