package consume

import (
	"context"
	"log/slog"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Settler applies a Policy's retry / dead-letter rules to one message at a
// time, for an engine and for mq's pull Consumer. Each method takes two
// contexts: ctx bounds the driver call, hctx is handed to the Settled
// callback (the handler's ctx, so what a middleware put in it is visible
// there). The attempt reported is read before the driver call, which may
// advance dm.Attempt for its redelivery.
type Settler struct {
	Sub    driver.Subscription
	Policy *Policy
}

// reason describes a failed attempt for the dead letter's headers.
func reason(err error) string {
	if err == nil {
		return "nacked"
	}
	return err.Error()
}

// Fail settles a failed attempt of dm: redeliver after backoff, or
// dead-letter when attempts are exhausted or err is permanent.
func (s *Settler) Fail(ctx, hctx context.Context, dm *driver.Message, err error, start time.Time) error {
	p := s.Policy
	if dm.Attempt >= p.MaxAttempts || p.permanent(err) {
		return s.DeadLetter(ctx, hctx, dm, err, start)
	}
	attempt := dm.Attempt
	serr := s.Sub.Nack(ctx, dm, p.Backoff(max(attempt, 1)))
	if serr == nil {
		s.Report(hctx, Retried, dm, attempt, err, start)
	}
	return serr
}

// DeadLetter moves dm to the dead letter with err as the reason.
func (s *Settler) DeadLetter(ctx, hctx context.Context, dm *driver.Message, err error, start time.Time) error {
	p := s.Policy
	r := reason(err)
	attempt := dm.Attempt
	p.Logger.LogAttrs(hctx, slog.LevelWarn, "unimq: message dead-lettered",
		slog.String("topic", p.Topic), slog.String("group", p.Group),
		slog.String("id", dm.ID), slog.Int("attempt", attempt), slog.String("reason", r))
	serr := s.Sub.DeadLetter(ctx, dm, r)
	if serr == nil {
		s.Report(hctx, DeadLettered, dm, attempt, err, start)
	}
	return serr
}

// Ack settles dm alone as processed (Acked) or filtered out (Skipped).
func (s *Settler) Ack(ctx, hctx context.Context, o Outcome, dm *driver.Message, start time.Time) error {
	attempt := dm.Attempt
	one := [1]*driver.Message{dm}
	err := s.Sub.Ack(ctx, one[:])
	if err == nil {
		s.Report(hctx, o, dm, attempt, nil, start)
	}
	return err
}

// Report calls the Settled callback, if any.
func (s *Settler) Report(hctx context.Context, o Outcome, dm *driver.Message, attempt int, err error, start time.Time) {
	if f := s.Policy.Settled; f != nil {
		f(hctx, o, dm, attempt, err, start)
	}
}

// LogErr logs a settlement that failed (the message will be redelivered).
func (s *Settler) LogErr(op string, dm *driver.Message, err error) {
	if err == nil {
		return
	}
	s.Policy.Logger.LogAttrs(context.Background(), slog.LevelWarn, "unimq: "+op+" failed; the message will be redelivered",
		slog.String("topic", s.Policy.Topic), slog.String("id", dm.ID), slog.String("error", err.Error()))
}
