package mqtest

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/unimq/unimq/mq"
)

// testErrorCodes pins the code of each portable failure class, the same on
// every backend, so that a caller's retry loop can trust it: what the caller
// must change is never reported as retryable (ErrUnavailable, ErrTimeout).
//
//	invalid topic name        ErrInvalidArgument
//	message over the limit    ErrTooLarge
//	reserved header name      ErrInvalidArgument
//	use after Close           ErrClosed
//	delay the backend lacks   ErrUnsupported
//	canceled ctx              ErrCanceled
func testErrorCodes(e *env) {
	c := e.client()
	topic := e.topic()
	rule := e.caps.Topics
	badTopic := "bad topic"
	if rule.MaxLen > 0 {
		badTopic = strings.Repeat("t", rule.MaxLen+1)
	}
	small := e.client(mq.MaxMessageSize(1024))
	canceled, cancel := context.WithCancel(e.ctx)
	cancel()
	closed := e.client()
	if err := closed.Close(e.ctx); err != nil {
		e.t.Fatalf("Close: %v", err)
	}

	type row struct {
		class string
		want  error
		call  func() error
	}
	rows := []row{
		{"invalid topic name (space)", mq.ErrInvalidArgument, func() error { return c.Publish(e.ctx, "bad topic", msg("ec-1")) }},
		{"invalid topic name (" + rule.Describe() + ")", mq.ErrInvalidArgument, func() error { return c.Publish(e.ctx, badTopic, msg("ec-2")) }},
		{"invalid topic name on Subscribe", mq.ErrInvalidArgument, func() error {
			s, err := c.Subscribe(e.ctx, badTopic, func(context.Context, *mq.Message) error { return nil }, mq.Group(e.group()))
			if err == nil {
				_ = s.Close(e.ctx)
			}
			return err
		}},
		{"message over MaxMessageSize", mq.ErrTooLarge, func() error {
			return small.Publish(e.ctx, topic, &mq.Message{ID: "ec-3", Body: make([]byte, 1025)})
		}},
		{"reserved header name", mq.ErrInvalidArgument, func() error {
			return c.Publish(e.ctx, topic, msg("ec-4").SetHeader("unimq-attempt", "9"))
		}},
		{"Publish after Close", mq.ErrClosed, func() error { return closed.Publish(e.ctx, topic, msg("ec-5")) }},
		{"Subscribe after Close", mq.ErrClosed, func() error {
			_, err := closed.Subscribe(e.ctx, topic, func(context.Context, *mq.Message) error { return nil })
			return err
		}},
		{"Publish with a canceled ctx", mq.ErrCanceled, func() error { return c.Publish(canceled, topic, msg("ec-6")) }},
		{"Subscribe with a canceled ctx", mq.ErrCanceled, func() error {
			s, err := c.Subscribe(canceled, topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(e.group()))
			if err == nil {
				_ = s.Close(e.ctx)
			}
			return err
		}},
	}
	switch {
	case !e.has(mq.CapDelay):
		rows = append(rows, row{"delay on a backend without CapDelay", mq.ErrUnsupported, func() error {
			return c.Publish(e.ctx, topic, &mq.Message{ID: "ec-7", Delay: time.Second})
		}})
	case e.caps.MaxDelay > 0:
		rows = append(rows, row{"delay over MaxDelay", mq.ErrUnsupported, func() error {
			return c.Publish(e.ctx, topic, &mq.Message{ID: "ec-7", Delay: e.caps.MaxDelay + time.Hour})
		}})
	default:
		e.t.Logf("delays of any length supported: no ErrUnsupported case")
	}
	if e.has(mq.CapAsyncPublish) {
		rows = append(rows, row{"PublishAsync after Close", mq.ErrClosed, func() error {
			return closed.PublishAsync(e.ctx, topic, msg("ec-8"), func(*mq.Message, error) { e.t.Error("callback of a refused message") })
		}})
	}
	for _, r := range rows {
		e.noPanic(r.class, func() {
			err := r.call()
			e.isErr(err, r.want, r.class)
			for _, retryable := range []error{mq.ErrUnavailable, mq.ErrTimeout} {
				if errors.Is(err, retryable) && !errors.Is(r.want, retryable) {
					e.t.Errorf("%s: %v also matches %v, which says retrying can succeed", r.class, err, retryable)
				}
			}
		})
	}
}
