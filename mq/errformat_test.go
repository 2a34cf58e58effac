package mq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/mqtest"
)

// errRow is one call whose error must read "unimq <backend> <op>: ...".
type errRow struct {
	what, backend, op string
	want              error
	call              func() error
}

func checkRows(t *testing.T, rows []errRow, secrets ...string) {
	t.Helper()
	for _, r := range rows {
		if err := mqtest.CheckError(r.call(), r.backend, r.op, r.want, secrets...); err != nil {
			t.Errorf("%s: %v", r.what, err)
		}
	}
}

func TestOpenErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	open := func(url string, opts ...mq.Option) func() error {
		return func() error {
			c, err := mq.Open(ctx, url, opts...)
			if err == nil {
				_ = c.Close(ctx)
			}
			return err
		}
	}
	t.Setenv(mq.EnvURL, "")
	checkRows(t, []errRow{
		{"unregistered scheme", "", "open", mq.ErrInvalidOption, open("nosuch://hunter2@host")},
		{"no scheme", "", "open", mq.ErrInvalidOption, open("user:hunter2@host")},
		{"empty URL", "", "open", mq.ErrInvalidOption, open("")},
		{"malformed URL of a registered scheme", "memory", "open", mq.ErrInvalidOption, open("memory:hunter2")},
		{"'#' in a password", "memory", "open", mq.ErrInvalidOption, open("memory://u:hun#ter2@x")},
		{"bad Open option", fakeScheme, "open", mq.ErrInvalidOption, open(fakeScheme+"://x", mq.MaxMessageSize(0))},
		{"option of another scope", "memory", "open", mq.ErrInvalidOption, open("memory://x", mq.Group("g"))},
		{"unknown URL parameter", "memory", "open", mq.ErrInvalidOption, open("memory://x?partitions=2&nosuch=hunter2")},
		{"user in a memory URL", "memory", "open", mq.ErrInvalidOption, open("memory://u:hunter2@x")},
		{"bad parameter value", "memory", "open", mq.ErrInvalidOption, open("memory://x?partitions=-1x")},
		{"OpenEnv without MQ_URL", "", "open", mq.ErrInvalidOption, func() error {
			_, err := mq.OpenEnv(ctx, "")
			return err
		}},
	}, "hunter2")
}

// TestAPIErrorsReadOneWay calls every exported method that can fail on the
// memory backend, including failures made by the driver (injected) and by
// the context, and checks each error's form.
func TestAPIErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	b, err := memory.NewBroker(t.Name(), memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := mq.Open(ctx, "memory://"+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	small, err := mq.Open(ctx, "memory://"+t.Name(), mq.MaxMessageSize(16))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close(ctx)
	closed, err := mq.Open(ctx, "memory://"+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(ctx); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	nop := func(context.Context, *mq.Message) error { return nil }
	m := func() *mq.Message { return &mq.Message{Body: []byte("x")} }
	const topic = "errors"

	k, err := c.NewConsumer(ctx, topic, mq.Group("pull"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, topic, m()); err != nil {
		t.Fatal(err)
	}
	got, err := k.Receive(ctx, 1, 5*time.Second)
	if err != nil || len(got) != 1 {
		t.Fatalf("Receive: %v, %d messages", err, len(got))
	}
	if err := got[0].Ack(ctx); err != nil {
		t.Fatal(err)
	}

	const boom = "memory: disk on fire"
	asyncErr := make(chan error, 1)
	rows := []errRow{
		{"publish, empty topic", "memory", "publish", mq.ErrInvalidArgument, func() error { return c.Publish(ctx, "", m()) }},
		{"publish, oversize", "memory", "publish", mq.ErrTooLarge, func() error { return small.Publish(ctx, topic, &mq.Message{Body: make([]byte, 17)}) }},
		{"publish, canceled", "memory", "publish", mq.ErrCanceled, func() error { return c.Publish(canceled, topic, m()) }},
		{"publish, driver error", "memory", "publish", mq.ErrUnavailable, func() error {
			b.FailNextPublishes(1, errors.New(boom))
			return c.Publish(ctx, topic, m())
		}},
		{"publish, driver's coded error", "memory", "publish", mq.ErrRejected, func() error {
			b.FailNextPublishes(1, driver.Errorf(driver.CodeRejected, "send", "refused"))
			return c.Publish(ctx, topic, m())
		}},
		{"publish batch, nil message", "memory", "publish batch", mq.ErrInvalidArgument, func() error { return c.PublishBatch(ctx, topic, []*mq.Message{nil}) }},
		{"publish batch, driver error", "memory", "publish batch", mq.ErrUnavailable, func() error {
			b.FailNextPublishes(1, errors.New(boom))
			return c.PublishBatch(ctx, topic, []*mq.Message{m(), m()})
		}},
		{"publish async, nil callback", "memory", "publish async", mq.ErrInvalidArgument, func() error { return c.PublishAsync(ctx, topic, m(), nil) }},
		{"publish async, driver error in the callback", "memory", "publish async", mq.ErrUnavailable, func() error {
			b.FailNextPublishes(1, errors.New(boom))
			if err := c.PublishAsync(ctx, topic, m(), func(_ *mq.Message, err error) { asyncErr <- err }); err != nil {
				return err
			}
			return <-asyncErr
		}},
		{"publish one-way, empty topic", "memory", "publish one-way", mq.ErrInvalidArgument, func() error { return c.PublishOneWay(ctx, "", m()) }},
		{"publish tx, no messages", "memory", "publish tx", mq.ErrInvalidArgument, func() error {
			return c.PublishTx(ctx, topic, nil, func(context.Context) error { return nil })
		}},
		{"publish tx, rolled back", "memory", "publish tx", mq.ErrTxRolledBack, func() error {
			return c.PublishTx(ctx, topic, []*mq.Message{m()}, func(context.Context) error { return errors.New("no stock") })
		}},
		{"subscribe, nil handler", "memory", "subscribe", mq.ErrInvalidArgument, func() error {
			_, err := c.Subscribe(ctx, topic, nil)
			return err
		}},
		{"subscribe, bad tag filter", "memory", "subscribe", mq.ErrInvalidOption, func() error {
			_, err := c.Subscribe(ctx, topic, nop, mq.TagFilter("a b"))
			return err
		}},
		{"subscribe, bad dead-letter topic", "memory", "subscribe", mq.ErrInvalidOption, func() error {
			_, err := c.Subscribe(ctx, topic, nop, mq.DeadLetterTopic("a b"))
			return err
		}},
		{"subscribe, Open option", "memory", "subscribe", mq.ErrInvalidOption, func() error {
			_, err := c.Subscribe(ctx, topic, nop, mq.MaxMessageSize(1))
			return err
		}},
		{"subscriber closed twice", "memory", "close", mq.ErrClosed, func() error {
			s, err := c.Subscribe(ctx, topic, nop)
			if err != nil {
				return err
			}
			if err := s.Close(ctx); err != nil {
				return err
			}
			return s.Close(ctx)
		}},
		{"consumer, bad option", "memory", "consumer", mq.ErrInvalidOption, func() error {
			_, err := c.NewConsumer(ctx, topic, mq.Concurrency(0))
			return err
		}},
		{"receive, max 0", "memory", "receive", mq.ErrInvalidArgument, func() error {
			_, err := k.Receive(ctx, 0, 0)
			return err
		}},
		{"receive, canceled", "memory", "receive", mq.ErrCanceled, func() error {
			_, err := k.Receive(canceled, 1, 0)
			return err
		}},
		{"receive, broker down (the driver's error)", "memory", "receive", mq.ErrUnavailable, func() error {
			b.SetUnavailable(true)
			defer b.SetUnavailable(false)
			_, err := k.Receive(ctx, 1, time.Second)
			return err
		}},
		{"ack twice", "memory", "ack", mq.ErrInvalidArgument, func() error { return got[0].Ack(ctx) }},
		{"nack after ack", "memory", "nack", mq.ErrInvalidArgument, func() error { return got[0].Nack(ctx, nil) }},
		{"consumer Ack of nil", "memory", "ack", mq.ErrInvalidArgument, func() error { return k.Ack(ctx, nil) }},
		{"declare, empty topic", "memory", "declare", mq.ErrInvalidArgument, func() error { return c.Declare(ctx, "") }},
		{"declare, bad group", "memory", "declare", mq.ErrInvalidArgument, func() error { return c.Declare(ctx, topic, "a b") }},
		{"ping, broker down", "memory", "ping", mq.ErrUnavailable, func() error {
			b.SetUnavailable(true)
			defer b.SetUnavailable(false)
			return c.Ping(ctx)
		}},
		{"publish after Close", "memory", "publish", mq.ErrClosed, func() error { return closed.Publish(ctx, topic, m()) }},
		{"subscribe after Close", "memory", "subscribe", mq.ErrClosed, func() error {
			_, err := closed.Subscribe(ctx, topic, nop)
			return err
		}},
		{"consumer after Close", "memory", "consumer", mq.ErrClosed, func() error {
			_, err := closed.NewConsumer(ctx, topic)
			return err
		}},
		{"declare after Close", "memory", "declare", mq.ErrClosed, func() error { return closed.Declare(ctx, topic) }},
		{"ping after Close", "memory", "ping", mq.ErrClosed, func() error { return closed.Ping(ctx) }},
		{"client closed twice", "memory", "close", mq.ErrClosed, func() error { return closed.Close(ctx) }},
		{"consumer closed twice", "memory", "close", mq.ErrClosed, func() error {
			if err := k.Close(ctx); err != nil {
				return err
			}
			return k.Close(ctx)
		}},
		{"receive after Close", "memory", "receive", mq.ErrClosed, func() error {
			_, err := k.Receive(ctx, 1, 0)
			return err
		}},
	}
	checkRows(t, rows)
}
