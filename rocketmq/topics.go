package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// fullTopic is topic as the broker names it (with the namespace prefix).
func (c *conn) fullTopic(topic string) string {
	if c.cfg.namespace != "" {
		return c.cfg.namespace + "%" + topic
	}
	return topic
}

// ensureTopic makes sure the name server has a route for topic, creating the
// topic on every broker of the cluster when it has none (and create_topics
// is on), then waiting until the route is published. Without this, a first
// consumer would not find the topic and a first producer would depend on the
// broker's auto-creation, whose route the clients only see after their 30 s
// refresh.
func (c *conn) ensureTopic(ctx context.Context, op, topic string, queues int) error {
	return c.ensureFull(ctx, op, c.fullTopic(topic), queues)
}

// ensureFull is ensureTopic for a topic name as the broker knows it.
func (c *conn) ensureFull(ctx context.Context, op, full string, queues int) error {
	c.topicsMu.Lock()
	known := c.topics[full]
	c.topicsMu.Unlock()
	if known {
		return nil
	}
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, full)
	if err != nil {
		return c.routeErr(ctx, op, full, err)
	}
	if r == nil || r.Queues == 0 {
		if !c.cfg.createTopics {
			return driver.Errorf(driver.CodeNotFound, op, "topic %q does not exist (create_topics=false)", full)
		}
		if err := c.createTopic(ctx, op, full, queues); err != nil {
			return err
		}
		deadline := time.Now().Add(c.cfg.routeWait)
		for {
			r, err = remoting.QueryRoute(ctx, c.cfg.nameServers, full)
			if err != nil {
				return c.routeErr(ctx, op, full, err)
			}
			if r != nil && r.Queues > 0 {
				break
			}
			if time.Now().After(deadline) {
				return driver.Errorf(driver.CodeUnavailable, op, "topic %q created but its route did not appear within %v", full, c.cfg.routeWait)
			}
			if err := wait(ctx, 100*time.Millisecond); err != nil {
				return c.routeErr(ctx, op, full, err)
			}
		}
	}
	c.topicsMu.Lock()
	c.topics[full] = true
	c.topicsMu.Unlock()
	return nil
}

func (c *conn) routeErr(ctx context.Context, op, topic string, err error) error {
	if ctx.Err() != nil {
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Msg: "waiting for the route of " + topic, Err: ctx.Err()}
	}
	return &driver.Error{Code: driver.CodeUnavailable, Op: op, Msg: "route of " + topic, Err: err}
}

// createTopic creates full (read/write, queues queues) on the master brokers
// that serve the template topic TBW102, i.e. every broker of a cluster
// started with autoCreateTopicEnable; else on the brokers of any topic the
// conn already knows.
func (c *conn) createTopic(ctx context.Context, op, full string, queues int) error {
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, remoting.DefaultTopicKey)
	if err != nil {
		return c.routeErr(ctx, op, remoting.DefaultTopicKey, err)
	}
	var addrs []string
	if r != nil {
		addrs = r.BrokerAddrs
	}
	if len(addrs) == 0 {
		c.topicsMu.Lock()
		for t := range c.topics {
			if tr, err := remoting.QueryRoute(ctx, c.cfg.nameServers, t); err == nil && tr != nil && len(tr.BrokerAddrs) > 0 {
				addrs = tr.BrokerAddrs
				break
			}
		}
		c.topicsMu.Unlock()
	}
	if len(addrs) == 0 {
		return driver.Errorf(driver.CodeNotFound, op, "topic %q does not exist and no broker address is known to create it (create it with mqadmin updateTopic)", full)
	}
	for _, addr := range addrs {
		var err error
		for attempt := 0; attempt < 3 && ctx.Err() == nil; attempt++ {
			// A busy broker may let the request time out (5 s): ask again.
			if err = c.createTopicOn(ctx, addr, full, queues); err == nil || driver.CodeOf(err) != driver.CodeUnavailable {
				break
			}
		}
		if err != nil {
			var de *driver.Error
			if errors.As(err, &de) && de.Err == nil {
				// the broker's answer: say it once, under op
				return &driver.Error{Code: de.Code, Op: op,
					Msg: fmt.Sprintf("create topic %q on broker %s: %s", full, addr, de.Msg)}
			}
			return &driver.Error{Code: driver.CodeOf(err), Op: op,
				Msg: fmt.Sprintf("create topic %q on broker %s", full, addr), Err: err}
		}
	}
	c.log.Debug("unimq: rocketmq topic created", "topic", full, "queues", queues, "brokers", addrs)
	return nil
}

// createTopicOn creates full on the broker at addr. The request is signed
// with the conn's credentials; unlike the client's admin API (which ignores
// the broker's answer), the response code is checked: a refusal by ACL is
// ErrRejected (retrying cannot help), any other failure ErrUnavailable.
func (c *conn) createTopicOn(ctx context.Context, addr, full string, queues int) error {
	n := strconv.Itoa(queues)
	ext := map[string]string{"topic": full, "defaultTopic": remoting.DefaultTopicKey, "readQueueNums": n, "writeQueueNums": n,
		"perm": "6", "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}
	h, _, err := remoting.Invoke(ctx, addr, remoting.ReqUpdateAndCreateTopic, remoting.Sign(ext, c.cfg.creds, nil))
	if err != nil {
		if ctx.Err() != nil {
			return driver.Wrap(driver.CodeOf(ctx.Err()), "create topic", ctx.Err())
		}
		return driver.Wrap(driver.CodeUnavailable, "create topic", err)
	}
	switch h.Code {
	case remoting.ResSuccess:
		return nil
	case remoting.ResNoPermission:
		return driver.Errorf(driver.CodeRejected, "create topic", "refused by the broker's access control (code %d): check access_key/secret_key and the user's rights: %.200s", h.Code, redact(h.Remark))
	}
	return driver.Errorf(driver.CodeUnavailable, "create topic", "broker answered code %d: %.200s", h.Code, redact(h.Remark))
}
