package mqtest

import (
	"context"
	"strings"

	"github.com/unimq/unimq/mq"
)

// testErrorFormat checks that every error of the portable API reads
// "unimq <backend> <op>: <code>: <detail>", whichever layer built it (the
// core, the adapter, the client library), matches its code with errors.Is,
// is wrapped once and never repeats the client's URL (CheckError).
func testErrorFormat(e *env) {
	c := e.client()
	topic := e.topic()
	backend := e.caps.Backend
	closed := e.client()
	if err := closed.Close(e.ctx); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	canceled, cancel := context.WithCancel(e.ctx)
	cancel()
	nop := func(context.Context, *mq.Message) error { return nil }

	type row struct {
		what, op string
		want     error
		call     func() error
	}
	rows := []row{
		{"open with an unknown URL parameter", "open", mq.ErrInvalidOption, func() error {
			u := c.String()
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			x, err := mq.Open(e.ctx, u+sep+"no_such_param=1")
			if err == nil {
				_ = x.Close(e.ctx)
			} else if !strings.Contains(err.Error(), "no_such_param") {
				e.t.Errorf("open with an unknown URL parameter: %q does not name it", err)
			}
			return err
		}},
		{"publish to an empty topic", "publish", mq.ErrInvalidArgument, func() error { return c.Publish(e.ctx, "", msg("ef-1")) }},
		{"publish with a canceled ctx", "publish", mq.ErrCanceled, func() error { return c.Publish(canceled, topic, msg("ef-2")) }},
		{"publish after Close", "publish", mq.ErrClosed, func() error { return closed.Publish(e.ctx, topic, msg("ef-3")) }},
		{"publish batch with a nil message", "publish batch", mq.ErrInvalidArgument, func() error {
			return c.PublishBatch(e.ctx, topic, []*mq.Message{msg("ef-4"), nil})
		}},
		{"subscribe with a nil handler", "subscribe", mq.ErrInvalidArgument, func() error {
			_, err := c.Subscribe(e.ctx, topic, nil)
			return err
		}},
		{"subscribe with Concurrency(0)", "subscribe", mq.ErrInvalidOption, func() error {
			_, err := c.Subscribe(e.ctx, topic, nop, mq.Concurrency(0))
			return err
		}},
		{"subscribe with a malformed tag filter", "subscribe", mq.ErrInvalidOption, func() error {
			_, err := c.Subscribe(e.ctx, topic, nop, mq.TagFilter("a b"))
			return err
		}},
		{"subscribe after Close", "subscribe", mq.ErrClosed, func() error {
			_, err := closed.Subscribe(e.ctx, topic, nop)
			return err
		}},
		{"Subscriber closed twice", "close", mq.ErrClosed, func() error {
			s := e.subscribe(c, topic, nop, mq.Group(e.group()))
			if err := s.Close(e.ctx); err != nil {
				e.t.Errorf("Subscriber.Close: %v", err)
			}
			return s.Close(e.ctx)
		}},
		{"declare an empty topic", "declare", mq.ErrInvalidArgument, func() error { return c.Declare(e.ctx, "") }},
		{"ping after Close", "ping", mq.ErrClosed, func() error { return closed.Ping(e.ctx) }},
		{"Client closed twice", "close", mq.ErrClosed, func() error { return closed.Close(e.ctx) }},
	}
	if max := e.caps.MaxMessageSize; max > 0 {
		rows = append(rows, row{"publish over MaxMessageSize", "publish", mq.ErrTooLarge, func() error {
			return c.Publish(e.ctx, topic, &mq.Message{ID: "ef-5", Body: make([]byte, max+1)})
		}})
	}
	rows = append(rows, row{"open with a bad option", "open", mq.ErrInvalidOption, func() error {
		x, err := e.h.Open(e.ctx, e.t, mq.MaxMessageSize(-1))
		if err == nil {
			_ = x.Close(e.ctx)
		}
		return err
	}})
	consumerWant := mq.ErrInvalidOption
	if !e.has(mq.CapPull) {
		consumerWant = mq.ErrUnsupported
	}
	rows = append(rows, row{"consumer with Concurrency(0)", "consumer", consumerWant, func() error {
		_, err := c.NewConsumer(e.ctx, topic, mq.Concurrency(0))
		return err
	}})
	asyncWant := mq.ErrInvalidArgument
	if !e.has(mq.CapAsyncPublish) {
		asyncWant = mq.ErrUnsupported
	}
	rows = append(rows, row{"publish async without a callback", "publish async", asyncWant, func() error {
		return c.PublishAsync(e.ctx, topic, msg("ef-6"), nil)
	}})
	txWant := mq.ErrInvalidArgument
	if !e.has(mq.CapTransactions) {
		txWant = mq.ErrUnsupported
	}
	rows = append(rows, row{"publish tx without a local transaction", "publish tx", txWant, func() error {
		return c.PublishTx(e.ctx, topic, []*mq.Message{msg("ef-7")}, nil)
	}})
	if all := mq.CapRedeliveryDelay<<1 - 1; e.caps.Missing(all) != 0 {
		rows = append(rows, row{"require every capability", "require", mq.ErrUnsupported, func() error { return c.Require(all) }})
	}

	for _, r := range rows {
		e.noPanic(r.what, func() {
			err := r.call()
			if ferr := CheckError(err, backend, r.op, r.want, c.String()); ferr != nil {
				e.t.Errorf("%s: %v", r.what, ferr)
			}
		})
	}
}
