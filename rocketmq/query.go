package rocketmq

import (
	"context"
	"strconv"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

func (c *conn) query(ctx context.Context, topic, key string, unique bool, max int, from, to time.Time) ([]*mq.Message, error) {
	const op = "query"
	if err := c.checkOpen(op); err != nil {
		return nil, err
	}
	if key == "" || max < 1 {
		return nil, driver.Errorf(driver.CodeInvalidArgument, op, "empty key or max < 1")
	}
	full := c.fullTopic(topic)
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, full)
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
	for _, addr := range r.BrokerAddrs {
		h, body, err := remoting.Invoke(ctx, addr, remoting.ReqQueryMessage, ext)
		if err != nil {
			return nil, c.routeErr(ctx, op, full, err)
		}
		switch h.Code {
		case remoting.ResSuccess:
		case remoting.ResQueryNotFound:
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
			out = append(out, mq.MessageFrom(dm))
		}
	}
	return out, nil
}
