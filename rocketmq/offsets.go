package rocketmq

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// presetOffsets commits the start offsets of a new clustering group before
// its consumer starts. RocketMQ 5.x answers a new group's offset query with 0
// while the queue's first message is still in memory, so the client's
// CONSUME_FROM_LAST_OFFSET and CONSUME_FROM_TIMESTAMP would start from the
// oldest message. For every queue the group has no offset in, this commits
// the queue's max offset (StartNewest) or the offset of the first message
// stored at or after the start time (StartAtTime). Groups that consumed
// before are left alone. With ACL credentials it does nothing (the requests
// would need signing); the broker's behaviour then applies.
func (c *conn) presetOffsets(ctx context.Context, group string, cfg *driver.SubscriptionConfig) error {
	if cfg.Broadcast || cfg.Start.Kind == driver.StartOldest || c.cfg.creds.AccessKey != "" {
		return nil
	}
	topic := c.fullTopic(cfg.Topic)
	if c.cfg.namespace != "" {
		group = c.cfg.namespace + "%" + group // as the client names it
	}
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, topic)
	if err != nil || r == nil {
		return err
	}
	for addr, n := range r.PerBroker {
		for q := 0; q < n; q++ {
			qid := strconv.Itoa(q)
			h, _, err := remoting.Invoke(ctx, addr, remoting.ReqQueryConsumerOffset, map[string]string{
				"consumerGroup": group, "topic": topic, "queueId": qid, "setZeroIfNotFound": "false"})
			if err != nil {
				return err
			}
			if h.Code != remoting.ResQueryNotFound {
				continue // the group has an offset (or the broker is older): keep it
			}
			var target map[string]string
			if cfg.Start.Kind == driver.StartAtTime {
				h, _, err = remoting.Invoke(ctx, addr, remoting.ReqSearchOffsetByTime, map[string]string{
					"topic": topic, "queueId": qid, "timestamp": strconv.FormatInt(cfg.Start.Time.UnixMilli(), 10)})
			} else {
				h, _, err = remoting.Invoke(ctx, addr, remoting.ReqGetMaxOffset, map[string]string{"topic": topic, "queueId": qid})
			}
			if err != nil {
				return err
			}
			if h.Code != remoting.ResSuccess {
				return fmt.Errorf("broker %s: offset of %s/%d: code %d: %s", addr, topic, q, h.Code, h.Remark)
			}
			target = h.ExtFields
			off := target["offset"]
			if off == "" {
				return fmt.Errorf("broker %s: no offset for %s/%d", addr, topic, q)
			}
			if err := c.commitOffset(ctx, addr, group, topic, qid, off); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *conn) commitOffset(ctx context.Context, addr, group, topic, qid, off string) error {
	ext := map[string]string{"consumerGroup": group, "topic": topic, "queueId": qid, "commitOffset": off}
	h, _, err := remoting.Invoke(ctx, addr, remoting.ReqUpdateConsumerOffset, ext)
	if err != nil {
		return err
	}
	if h.Code == remoting.ResSubscriptionGrpMissing {
		if err := createGroup(ctx, addr, group); err != nil {
			return err
		}
		if h, _, err = remoting.Invoke(ctx, addr, remoting.ReqUpdateConsumerOffset, ext); err != nil {
			return err
		}
	}
	if h.Code != remoting.ResSuccess {
		return fmt.Errorf("broker %s: commit offset %s of %s/%s for %s: code %d: %s", addr, off, topic, qid, group, h.Code, h.Remark)
	}
	return nil
}

// createGroup creates subscription group on the broker at addr with the
// broker's defaults (what autoCreateSubscriptionGroup would create).
func createGroup(ctx context.Context, addr, group string) error {
	body, _ := json.Marshal(map[string]any{
		"groupName": group, "consumeEnable": true, "consumeFromMinEnable": true, "consumeBroadcastEnable": true,
		"retryQueueNums": 1, "retryMaxTimes": 16, "brokerId": 0, "whichBrokerWhenConsumeSlowly": 1,
		"notifyConsumerIdsChangedEnable": true,
	})
	h, _, err := remoting.InvokeBody(ctx, addr, remoting.ReqUpdateSubscriptionGrp, nil, body)
	if err != nil {
		return err
	}
	if h.Code != remoting.ResSuccess {
		return fmt.Errorf("broker %s: create group %s: code %d: %s", addr, group, h.Code, h.Remark)
	}
	return nil
}
