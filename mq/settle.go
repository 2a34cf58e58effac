package mq

import (
	"context"
	"errors"
	"log/slog"

	"github.com/unimq/unimq/mq/driver"
)

// settler applies the retry / dead-letter policy of one Subscriber or
// Consumer, the same for every backend.
type settler struct {
	sub   driver.Subscription
	set   *settings
	log   *slog.Logger
	topic string
}

// reason describes a failed attempt for the dead letter's headers.
func reason(err error) string {
	if err == nil {
		return "nacked"
	}
	return err.Error()
}

// fail settles a failed attempt of dm: redeliver after backoff, or
// dead-letter when attempts are exhausted or err is NoRetry.
func (s *settler) fail(ctx context.Context, dm *driver.Message, err error) error {
	var p permanent
	if dm.Attempt >= s.set.maxAttempts || errors.As(err, &p) {
		return s.deadLetter(ctx, dm, err)
	}
	return s.sub.Nack(ctx, dm, s.set.backoff(max(dm.Attempt, 1)))
}

func (s *settler) deadLetter(ctx context.Context, dm *driver.Message, err error) error {
	r := reason(err)
	s.log.LogAttrs(ctx, slog.LevelWarn, "unimq: message dead-lettered",
		slog.String("topic", s.topic), slog.String("group", s.set.group),
		slog.String("id", dm.ID), slog.Int("attempt", dm.Attempt), slog.String("reason", r))
	return s.sub.DeadLetter(ctx, dm, r)
}

// ack settles dms as processed.
func (s *settler) ack(ctx context.Context, dms ...*driver.Message) error {
	return s.sub.Ack(ctx, dms)
}

func (s *settler) logErr(op string, dm *driver.Message, err error) {
	if err == nil {
		return
	}
	s.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq: "+op+" failed; the message will be redelivered",
		slog.String("topic", s.topic), slog.String("id", dm.ID), slog.String("error", err.Error()))
}
