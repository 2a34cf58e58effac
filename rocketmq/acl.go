package rocketmq

import (
	"context"
	"fmt"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// checkCredentials sends one signed heartbeat without producer or consumer
// groups to a broker of the cluster (found through the template topic's
// route; none known: nothing to check), so that credentials a secured broker
// refuses (wrong keys, or none) fail Open with ErrRejected at once, rather
// than every later request failing or a subscription staying silent.
func (c *conn) checkCredentials(ctx context.Context, r *remoting.Route) error {
	if r == nil || len(r.BrokerAddrs) == 0 {
		return nil
	}
	body := []byte(`{"clientID":"unimq-credentials-check","producerDataSet":[],"consumerDataSet":[]}`)
	h, _, err := remoting.InvokeBody(ctx, r.BrokerAddrs[0], remoting.ReqHeartBeat, remoting.Sign(map[string]string{}, c.cfg.creds, body), body)
	if err != nil {
		return nil // unreachable broker: not a credentials problem (the client reconnects later)
	}
	if h.Code == remoting.ResNoPermission {
		return &driver.Error{Code: driver.CodeRejected, Op: "open",
			Msg: fmt.Sprintf("the broker's access control refused the credentials (code %d: %.200s); check access_key/secret_key", h.Code, redact(h.Remark))}
	}
	return nil
}
