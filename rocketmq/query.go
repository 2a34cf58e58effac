package rocketmq

import (
	"context"
	"strconv"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

const reqQueryMessage = 12

// QueryByKey returns up to max messages of topic stored between from and to
// whose Key (the KEYS property) is key, from the brokers' message index, as
// RocketMQ's "query by business key". The Go client has no query API; this
// asks every master broker of the topic directly (QUERY_MESSAGE). Without
// ACL signing: with credentials on a broker that enforces ACL it fails.
func (c *Conn) QueryByKey(ctx context.Context, topic, key string, max int, from, to time.Time) ([]*mq.Message, error) {
	msgs, err := c.query(ctx, topic, key, false, max, from, to)
	return msgs, driver.Stamp(backend, "query", err)
}

// QueryByID returns the message of topic whose BrokerID (the msgId, the
// UNIQ_KEY property) is id, stored between from and to; retried messages
// keep their id, so more than one copy may come back.
func (c *Conn) QueryByID(ctx context.Context, topic, id string, from, to time.Time) ([]*mq.Message, error) {
	msgs, err := c.query(ctx, topic, id, true, 32, from, to)
	return msgs, driver.Stamp(backend, "query", err)
}

func (c *Conn) query(ctx context.Context, topic, key string, unique bool, max int, from, to time.Time) ([]*mq.Message, error) {
	const op = "query"
	if err := c.checkOpen(op); err != nil {
		return nil, err
	}
	if key == "" || max < 1 {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "empty key or max < 1")
	}
	full := c.fullTopic(topic)
	r, err := queryRoute(ctx, c.cfg.nameServers, full)
	if err != nil {
		return nil, c.routeErr(ctx, op, full, err)
	}
	if r == nil {
		return nil, driver.Errorf(driver.CodeNotFound, op, "topic %q does not exist", full)
	}
	ext := map[string]string{
		"topic": full, "key": key, "maxNum": strconv.Itoa(max),
		"beginTimestamp": strconv.FormatInt(from.UnixMilli(), 10), "endTimestamp": strconv.FormatInt(to.UnixMilli(), 10),
	}
	if unique {
		ext["_UNIQUE_KEY_QUERY"] = "true"
	}
	var out []*mq.Message
	for _, addr := range r.brokerAddrs {
		h, body, err := invoke(ctx, addr, reqQueryMessage, ext)
		if err != nil {
			return nil, c.routeErr(ctx, op, full, err)
		}
		switch h.Code {
		case resSuccess:
		case resQueryNotFound:
			continue
		default:
			return nil, driver.Errorf(driver.CodeUnavailable, op, "broker %s: code %d: %s", addr, h.Code, h.Remark)
		}
		for _, me := range primitive.DecodeMessage(body) {
			if me.Topic != full {
				continue
			}
			if unique && me.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex) != key {
				continue // the index is a hash: check the hit
			}
			dm := fromExt(me, c.cfg.namespace)
			out = append(out, &mq.Message{ID: dm.ID, Key: dm.Key, Tag: dm.Tag, Headers: dm.Headers, Body: dm.Body,
				Topic: dm.Topic, Partition: dm.Partition, Offset: dm.Offset, Attempt: dm.Attempt,
				PublishTime: dm.PublishTime, BrokerID: dm.BrokerID})
		}
	}
	return out, nil
}
