package typed

import (
	"context"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Handler processes one decoded value; m is the message it came in (its
// Body is the encoded form). As with mq.Handler, nil acknowledges, an
// error leads to redelivery and mq.NoRetry(err) to the dead letter at once.
type Handler[T any] func(ctx context.Context, v T, m *mq.Message) error

// Handle adapts h to an mq.Handler: it checks the content type, decodes
// the body into a T with codec and calls h; a message that fails either
// check is settled as mq.NoRetry(*DecodeError) without calling h (see the
// package documentation). It panics when codec or h is nil.
func Handle[T any](codec Codec, h Handler[T]) mq.Handler {
	if codec == nil || h == nil {
		panic("typed.Handle: nil codec or handler")
	}
	dec := newDecoder[T](codec)
	return func(ctx context.Context, m *mq.Message) error {
		v, err := dec.decode(m)
		if err != nil {
			return mq.NoRetry(err)
		}
		return h(ctx, v, m)
	}
}

// Subscribe subscribes h to topic through c, as c.Subscribe(ctx, topic,
// Handle(codec, h), opts...) does; a nil codec or handler is
// mq.ErrInvalidArgument.
func Subscribe[T any](ctx context.Context, c *mq.Client, topic string, codec Codec, h Handler[T], opts ...mq.Option) (*mq.Subscriber, error) {
	if c == nil || codec == nil || h == nil {
		backend := ""
		if c != nil {
			backend = c.Capabilities().Backend
		}
		return nil, driver.Stamp(backend, "typed subscribe", driver.Errorf(driver.CodeInvalidArgument, "", "nil client, codec or handler"))
	}
	return c.Subscribe(ctx, topic, Handle(codec, h), opts...)
}
