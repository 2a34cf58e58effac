package mq

import (
	"context"
	"errors"
	"fmt"
)

// errNacked is what a receive interceptor's settle function gets for a
// Nack without a reason.
var errNacked = errors.New("nacked")

// ReceiveInterceptor runs for each message a Consumer's Receive returns
// (pull), on the caller's goroutine, before Receive returns: the pull
// counterpart of handler middleware, for a tracing package's process span.
// ctx is Receive's, carrying the consumer's HandlerInfo. It returns the
// context the application should process the message with (the message's
// Context) and a function, which may be nil, that mq calls exactly once
// when the message is settled: with nil after a successful Ack, the Ack's
// error when it failed, the reason given to Nack (an error "nacked" when nil), an ErrTimeout error when
// AckTimeout sends it back, or an ErrClosed error when the Consumer closes
// with the message unsettled. Interceptors must be fast and must not
// block; several run in the order given, each getting the previous one's
// context, and their settle functions run in reverse order.
type ReceiveInterceptor func(ctx context.Context, m *Message) (context.Context, func(settled error))

// WithReceiveInterceptor adds interceptors run for every message a Consumer
// of the client receives (Open). A client without them pays nothing.
func WithReceiveInterceptor(f ...ReceiveInterceptor) Option {
	return Option{"WithReceiveInterceptor", forOpen, func(s *settings) error {
		for _, x := range f {
			if x == nil {
				return fmt.Errorf("nil interceptor")
			}
		}
		s.receivers = append(s.receivers, f...)
		return nil
	}}
}

// Context returns the context to process a message received from
// Consumer.Receive with: the one the client's ReceiveInterceptors returned
// (otelmq's puts the message's process span in it, so that what the
// application publishes or logs with it continues the producer's trace),
// or context.Background() when there are none or the message was delivered
// to a Handler (whose ctx is that context).
func (m *Message) Context() context.Context {
	if m != nil && m.r != nil && m.r.ctx != nil {
		return m.r.ctx
	}
	return context.Background()
}

// intercepted runs the client's receive interceptors for m and keeps the
// context and settle functions in r.
func (k *Consumer) intercepted(ctx context.Context, m *Message, r *receipt) {
	ctx = ContextWithHandlerInfo(ctx, k.hinfo)
	for _, f := range k.c.set.receivers {
		var end func(error)
		ctx, end = f(ctx, m)
		if end != nil {
			r.ends = append(r.ends, end)
		}
	}
	r.ctx = ctx
}

// finish calls the settle functions of the receive interceptors, last
// first.
func (r *receipt) finish(err error) {
	for i := len(r.ends) - 1; i >= 0; i-- {
		r.ends[i](err)
	}
}
