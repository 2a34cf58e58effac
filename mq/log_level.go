package mq

import (
	"context"
	"fmt"
	"log/slog"
)

// WithLogLevel drops the client's log records below level, whatever the
// logger's handler would keep (Open). It applies to the backend's client
// library too. Default: the logger's own level.
func WithLogLevel(level slog.Leveler) Option {
	return Option{"WithLogLevel", forOpen, func(s *settings) error {
		if level == nil {
			return fmt.Errorf("nil level")
		}
		s.logLevel = level
		return nil
	}}
}

// leveled keeps the records of h at or above min.
type leveled struct {
	h   slog.Handler
	min slog.Leveler
}

func (l leveled) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= l.min.Level() && l.h.Enabled(ctx, level)
}

func (l leveled) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }

func (l leveled) WithAttrs(as []slog.Attr) slog.Handler {
	return leveled{l.h.WithAttrs(as), l.min}
}

func (l leveled) WithGroup(name string) slog.Handler {
	return leveled{l.h.WithGroup(name), l.min}
}

// withLevel applies the WithLogLevel of s to its logger.
func withLevel(s *settings) {
	if s.logLevel != nil {
		s.logger = slog.New(leveled{s.logger.Handler(), s.logLevel})
	}
}
