package mq

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// settler applies the retry / dead-letter policy of one Subscriber or
// Consumer, the same for every backend.
type settler struct {
	sub   driver.Subscription
	set   *settings
	log   *slog.Logger
	topic string
	hooks []Hook
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
func (s *settler) fail(ctx context.Context, dm *driver.Message, err error, start time.Time) error {
	var p permanent
	if dm.Attempt >= s.set.maxAttempts || errors.As(err, &p) {
		return s.deadLetter(ctx, dm, err, start)
	}
	serr := s.sub.Nack(ctx, dm, s.set.backoff(max(dm.Attempt, 1)))
	if serr == nil {
		s.settled(ctx, EventRetried, dm, err, start)
	}
	return serr
}

func (s *settler) deadLetter(ctx context.Context, dm *driver.Message, err error, start time.Time) error {
	r := reason(err)
	s.log.LogAttrs(ctx, slog.LevelWarn, "unimq: message dead-lettered",
		slog.String("topic", s.topic), slog.String("group", s.set.group),
		slog.String("id", dm.ID), slog.Int("attempt", dm.Attempt), slog.String("reason", r))
	serr := s.sub.DeadLetter(ctx, dm, r)
	if serr == nil {
		s.settled(ctx, EventDeadLettered, dm, err, start)
	}
	return serr
}

// ack settles dm as processed (kind EventAcked) or filtered out (EventSkipped).
func (s *settler) ack(ctx context.Context, kind EventKind, dm *driver.Message, start time.Time) error {
	one := [1]*driver.Message{dm}
	err := s.sub.Ack(ctx, one[:])
	if err == nil {
		s.settled(ctx, kind, dm, nil, start)
	}
	return err
}

func (s *settler) logErr(op string, dm *driver.Message, err error) {
	if err == nil {
		return
	}
	s.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq: "+op+" failed; the message will be redelivered",
		slog.String("topic", s.topic), slog.String("id", dm.ID), slog.String("error", err.Error()))
}
