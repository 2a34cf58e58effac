package rocketmq

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// The Go client logs through one process-wide rlog.Logger (by default logrus
// to stdout). unimq installs clientLog once, at the first Open, and points it
// at the logger of the most recently opened Conn (OpenConfig.Logger). The
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
		attrs = append(attrs, slog.String(k, fmt.Sprint(fields[k])))
	}
	l.LogAttrs(context.Background(), level, msg, attrs...)
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
