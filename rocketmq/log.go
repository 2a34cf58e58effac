package rocketmq

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
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
func (c clientLog) Error(msg string, fields map[string]interface{}) {
	c.log(slog.LevelError, msg, fields)
}
func (c clientLog) Fatal(msg string, fields map[string]interface{}) {
	c.log(slog.LevelError, msg, fields)
}
func (clientLog) Level(string)            {}
func (clientLog) OutputPath(string) error { return nil }
