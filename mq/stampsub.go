package mq

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// stampedSub is a driver subscription whose errors carry the backend and the
// operation (driver.Stamp), so that what the consume loop logs or reports
// and what Consumer returns read as every other error of mq. It adds
// nothing on success.
type stampedSub struct {
	driver.Subscription
	backend string
}

func stampSub(sub driver.Subscription, backend string) driver.Subscription {
	return stampedSub{sub, backend}
}

func (s stampedSub) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	dms, err := s.Subscription.Receive(ctx, max)
	return dms, s.stamp("receive", err)
}

func (s stampedSub) Ack(ctx context.Context, msgs []*driver.Message) error {
	return s.stamp("ack", s.Subscription.Ack(ctx, msgs))
}

func (s stampedSub) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	return s.stamp("nack", s.Subscription.Nack(ctx, m, delay))
}

func (s stampedSub) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	return s.stamp("dead-letter", s.Subscription.DeadLetter(ctx, m, reason))
}

func (s stampedSub) Close(ctx context.Context) error {
	return s.stamp("close", s.Subscription.Close(ctx))
}

// stamp codes an unclassified driver error as CodeUnavailable (a context
// error keeps its own code) and stamps it.
func (s stampedSub) stamp(op string, err error) error {
	if err == nil {
		return nil
	}
	if driver.CodeOf(err) == driver.CodeUnknown {
		err = driver.Wrap(driver.CodeUnavailable, op, err)
	}
	return driver.Stamp(s.backend, op, err)
}

// watchLink gives f to the driver subscription when it reports its
// connection (driver.LinkWatcher).
func (s stampedSub) watchLink(f func(error)) {
	if lw, ok := s.Subscription.(driver.LinkWatcher); ok {
		lw.WatchLink(func(err error) { f(s.stamp("receive", err)) })
	}
}
