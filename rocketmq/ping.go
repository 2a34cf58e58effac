package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

var _ driver.Pinger = (*conn)(nil)

// Ping (mq.Client.Ping) makes two round trips, each on a new connection
// bounded by ctx:
//
//   - GET_ROUTEINFO_BY_TOPIC for the template topic TBW102 to the name
//     servers, the first that answers (any answer counts, "topic not
//     exist" included);
//   - a HEART_BEAT without producer or consumer groups (signed when the
//     client has credentials) to the first master broker of that route, or
//     else of a topic this client created or published to; no broker
//     known: the name server's answer is enough.
//
// Nothing answers: an error matching mq.ErrUnavailable; the broker's
// access control refuses the credentials: mq.ErrRejected; ctx ends first:
// its error (mq.ErrTimeout / mq.ErrCanceled).
//
// Docs line (docs/rocketmq.md): `Client.Ping`: a route query
// (GET_ROUTEINFO_BY_TOPIC TBW102) to the name servers and a heartbeat
// without groups to a master broker; ErrUnavailable when either does not
// answer, bounded by ctx.
func (c *conn) Ping(ctx context.Context) error {
	const op = "ping"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	brokers, err := c.pingNameServers(ctx)
	if err != nil {
		return c.pingErr(ctx, op, "no name server answered", err)
	}
	if len(brokers) == 0 {
		brokers = c.knownBrokers(ctx)
	}
	if len(brokers) == 0 {
		return nil
	}
	addr := brokers[0]
	body := []byte(`{"clientID":"unimq-ping","producerDataSet":[],"consumerDataSet":[]}`)
	h, _, err := remoting.InvokeBody(ctx, addr, remoting.ReqHeartBeat, remoting.Sign(map[string]string{}, c.cfg.creds, body), body)
	if err != nil {
		return c.pingErr(ctx, op, "broker "+addr+" did not answer", err)
	}
	switch h.Code {
	case remoting.ResSuccess:
		return nil
	case remoting.ResNoPermission:
		return &driver.Error{Code: driver.CodeRejected, Op: op,
			Msg: fmt.Sprintf("the broker's access control refused the credentials (code %d: %.200s)", h.Code, redact(h.Remark))}
	}
	return &driver.Error{Code: driver.CodeUnavailable, Op: op,
		Msg: fmt.Sprintf("broker %s: code %d: %.200s", addr, h.Code, redact(h.Remark))}
}

// pingNameServers asks the name servers in turn for TBW102's route and
// returns its master brokers from the first that answers.
func (c *conn) pingNameServers(ctx context.Context) ([]string, error) {
	var errs []error
	for _, ns := range c.cfg.nameServers {
		h, body, err := remoting.Invoke(ctx, ns, remoting.ReqGetRouteInfoByTopic, map[string]string{"topic": remoting.DefaultTopicKey})
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if h.Code == remoting.ResSuccess {
			return remoting.ParseRoute(body).BrokerAddrs, nil
		}
		return nil, nil // an answer all the same (TBW102 unknown without autoCreateTopicEnable)
	}
	if len(errs) == 0 {
		return nil, errors.New("no name server configured")
	}
	return nil, errors.Join(errs...)
}

// knownBrokers returns the master brokers of one topic this conn knows (of
// the first few it tries).
func (c *conn) knownBrokers(ctx context.Context) []string {
	c.topicsMu.Lock()
	topics := make([]string, 0, len(c.topics))
	for t := range c.topics {
		if len(topics) == 3 {
			break
		}
		topics = append(topics, t)
	}
	c.topicsMu.Unlock()
	for _, t := range topics {
		if r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, t); err == nil && r != nil && len(r.BrokerAddrs) > 0 {
			return r.BrokerAddrs
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// pingErr classifies a failed round trip: ctx's error when ctx ended it
// (the connection's deadline is ctx's, and may fire just before ctx's own
// timer), else unavailable.
func (c *conn) pingErr(ctx context.Context, op, msg string, err error) error {
	if ctx.Err() != nil {
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Msg: msg, Err: ctx.Err()}
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return &driver.Error{Code: driver.CodeTimeout, Op: op, Msg: msg, Err: context.DeadlineExceeded}
	}
	return &driver.Error{Code: driver.CodeUnavailable, Op: op, Msg: msg, Err: err}
}
