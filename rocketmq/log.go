package rocketmq

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// The Go client logs through one process-wide rlog.Logger (by default logrus
// to stdout). unimq installs clientLog once, at the first Open, and points it
// at the logger of the most recently opened conn (OpenConfig.Logger). The
// client's Info lines (heartbeats, rebalances, offsets) become slog Debug;
// its Warning and Error lines stay Warn and Error.
var (
	clientLogOnce sync.Once
	clientLogger  atomic.Pointer[slog.Logger]
)

func routeClientLog(l *slog.Logger) {
	clientLogger.Store(l.With(slog.String("component", "rocketmq-client-go")))
	clientLogOnce.Do(func() { rlog.SetLogger(clientLog{}) })
}

type clientLog struct{}

func (clientLog) log(level slog.Level, msg string, fields map[string]interface{}) {
	if level > slog.LevelDebug && (quiet[msg] || closing(fields)) {
		level = slog.LevelDebug
	}
	l := clientLogger.Load()
	if l == nil || !l.Enabled(context.Background(), level) {
		return
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, 0, len(keys))
	for _, k := range keys {
		v := redact(fmt.Sprint(fields[k]))
		if secretName.MatchString(k) {
			v = redacted
		}
		attrs = append(attrs, slog.String(k, v))
	}
	l.LogAttrs(context.Background(), level, redact(msg), attrs...)
}

// The client logs remoting commands whole (a failed end-transaction request,
// for instance), with the ACL fields its credentials interceptor added:
// AccessKey, Signature (an HMAC of the request under the secret key) and
// SecurityToken. The bridge replaces their values, wherever they appear in a
// message or a field ("AccessKey:v" in a Go map, "AccessKey=v", JSON), and
// the value of any field named like a secret, by "xxxxx".
const redacted = "xxxxx"

var (
	secretName  = regexp.MustCompile(`(?i)^(access_?key|secret_?key|signature|security_?token|password|passwd|credentials?)$`)
	secretValue = regexp.MustCompile(`(?i)((?:access_?key|secret_?key|signature|security_?token|password)"?\s*[:=]\s*"?)([^\s\],}"&]+)`)
)

func redact(s string) string {
	return secretValue.ReplaceAllString(s, "${1}"+redacted)
}

func (c clientLog) Debug(msg string, fields map[string]interface{}) {
	c.log(slog.LevelDebug, msg, fields)
}
func (c clientLog) Info(msg string, fields map[string]interface{}) {
	c.log(slog.LevelDebug, msg, fields)
}
func (c clientLog) Warning(msg string, fields map[string]interface{}) {
	c.log(slog.LevelWarn, msg, fields)
}

// closing reports whether a log line is about a connection the client
// itself closed at Shutdown.
func closing(fields map[string]interface{}) bool {
	for _, v := range fields {
		if err, ok := v.(error); ok && strings.Contains(err.Error(), "use of closed network connection") {
			return true
		}
		if s, ok := v.(string); ok && strings.Contains(s, "use of closed network connection") {
			return true
		}
	}
	return false
}

// quiet are client warnings and errors that are expected in normal
// operation under unimq (closing a subscription drops its queues with
// messages unsettled on purpose, so that they are redelivered; a local
// transaction that rolls back or stays unknown is not an error): logged at
// Debug.
var quiet = map[string]bool{
	"executeLocalTransaction but state unexpected":                       true,
	"processQueue is dropped without process consume result.":            true,
	"the message queue not be able to consume, because it was dropped":   true,
	"the message queue not be able to consume, because it's dropped.":    true,
	"the cached message count exceeds the threshold, so do flow control": true,
	"the queue's messages span too long, so do flow control":             true,
	"the cached message size exceeds the threshold, so do flow control":  true,
}

func (c clientLog) Error(msg string, fields map[string]interface{}) {
	c.log(slog.LevelError, msg, fields)
}
func (c clientLog) Fatal(msg string, fields map[string]interface{}) {
	c.log(slog.LevelError, msg, fields)
}
func (clientLog) Level(string)            {}
func (clientLog) OutputPath(string) error { return nil }
