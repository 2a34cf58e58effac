package rocketmq

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

// signed returns the extension fields of a remoting request signed for
// RocketMQ ACL (1.0, and 2.0's authentication of the remoting protocol), as
// the client's ACL interceptor signs its own requests: AccessKey (and
// SecurityToken) added, the values of all fields in the order of their
// sorted names, then the body, HMAC-SHA1 under the secret key, base64, in
// Signature. Without credentials ext is returned as is.
func signed(ext map[string]string, creds primitive.Credentials, body []byte) map[string]string {
	if creds.AccessKey == "" || creds.SecretKey == "" {
		return ext
	}
	out := make(map[string]string, len(ext)+3)
	for k, v := range ext {
		out[k] = v
	}
	out["AccessKey"] = creds.AccessKey
	if creds.SecurityToken != "" {
		out["SecurityToken"] = creds.SecurityToken
	}
	names := make([]string, 0, len(out))
	for k := range out {
		names = append(names, k)
	}
	sort.Strings(names)
	var content strings.Builder
	for _, k := range names {
		content.WriteString(out[k])
	}
	mac := hmac.New(sha1.New, []byte(creds.SecretKey))
	mac.Write([]byte(content.String()))
	mac.Write(body)
	out["Signature"] = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return out
}

// reqHeartBeat is the remoting request every client sends to its brokers
// (RequestCode.HEART_BEAT).
const reqHeartBeat = 34

// checkCredentials sends one signed heartbeat without producer or consumer
// groups to a broker of the cluster (found through the template topic's
// route; none known: nothing to check), so that credentials a secured broker
// refuses (wrong keys, or none) fail Open with ErrRejected at once, rather
// than every later request failing or a subscription staying silent.
func (c *Conn) checkCredentials(ctx context.Context, r *route) error {
	if r == nil || len(r.brokerAddrs) == 0 {
		return nil
	}
	body := []byte(`{"clientID":"unimq-credentials-check","producerDataSet":[],"consumerDataSet":[]}`)
	h, _, err := invokeBody(ctx, r.brokerAddrs[0], reqHeartBeat, signed(map[string]string{}, c.cfg.creds, body), body)
	if err != nil {
		return nil // unreachable broker: not a credentials problem (the client reconnects later)
	}
	if h.Code == resNoPermission {
		return &driver.Error{Code: driver.CodeRejected, Op: "open",
			Msg: fmt.Sprintf("the broker's access control refused the credentials (code %d: %.200s); check access_key/secret_key", h.Code, redact(h.Remark))}
	}
	return nil
}
