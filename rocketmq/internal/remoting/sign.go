package remoting

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// Sign returns the extension fields of a remoting request signed for
// RocketMQ ACL (1.0, and 2.0's authentication of the remoting protocol), as
// the client's ACL interceptor signs its own requests: AccessKey (and
// SecurityToken) added, the values of all fields in the order of their
// sorted names, then the body, HMAC-SHA1 under the secret key, base64, in
// Signature. Without credentials ext is returned as is.
func Sign(ext map[string]string, creds primitive.Credentials, body []byte) map[string]string {
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
