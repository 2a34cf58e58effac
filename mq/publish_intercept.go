package mq

import (
	"context"
	"fmt"
	"time"
	"unsafe"
)

// PublishMode says which call a publish came from.
type PublishMode uint8

// Publish modes, as a PublishInterceptor sees them.
const (
	ModeSync   PublishMode = iota + 1 // Publish
	ModeBatch                         // PublishBatch
	ModeAsync                         // PublishAsync and PublishFuture
	ModeOneWay                        // PublishOneWay
	ModeTx                            // PublishTx
)

func (m PublishMode) String() string {
	switch m {
	case ModeSync:
		return "sync"
	case ModeBatch:
		return "batch"
	case ModeAsync:
		return "async"
	case ModeOneWay:
		return "one-way"
	case ModeTx:
		return "tx"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// PublishInfo is what a PublishInterceptor is given about one publish call.
type PublishInfo struct {
	Topic   string
	Mode    PublishMode
	Backend string // Capabilities().Backend: "kafka", "rabbitmq", "rocketmq", "memory"
	// Messages are the caller's messages about to be sent (one, except for
	// PublishBatch and PublishTx). An interceptor may set their headers;
	// it must not keep the slice.
	Messages []*Message
}

// PublishInterceptor runs before a message leaves, on every publish mode
// (Publish, PublishBatch, PublishAsync, PublishFuture, PublishOneWay,
// PublishTx), on the caller's goroutine. It may set headers on the messages
// (a trace context, a correlation id) and returns the context for the rest
// of the publish: the one given to the backend and to the Hooks' publish
// event. It runs after the call's arguments and messages were checked; a
// message whose headers it added to is checked again (an interceptor that
// sets a reserved or malformed header fails the publish with
// ErrInvalidArgument).
//
// Every interceptor call is followed by exactly one EventPublished (with Err
// set when the publish failed, whatever the cause), given the returned ctx:
// a span started here can be ended by a Hook. Interceptors must be fast
// and must not block; they see PublishTx's messages before the local
// transaction runs.
//
// An interceptor that sets headers replaces a message's Headers map rather
// than writing into it when the map may be shared (see SetHeader): the
// caller's map is the caller's.
type PublishInterceptor func(ctx context.Context, p PublishInfo) context.Context

// WithPublishInterceptor adds interceptors run before every publish, in the
// order given (Open). A client without interceptors pays nothing for them.
func WithPublishInterceptor(f ...PublishInterceptor) Option {
	return Option{"WithPublishInterceptor", forOpen, func(s *settings) error {
		for _, x := range f {
			if x == nil {
				return fmt.Errorf("nil interceptor")
			}
		}
		s.interceptors = append(s.interceptors, f...)
		return nil
	}}
}

// intercept runs the client's interceptors for msgs and checks the
// messages again when an interceptor changed their headers; only called
// when there are interceptors. On error the publish event has already been
// reported.
func (c *Client) intercept(ctx context.Context, op, topic string, mode PublishMode, msgs []*Message, now time.Time) (context.Context, error) {
	var before headerPrint
	if len(msgs) == 1 {
		before = printOf(msgs[0])
	}
	p := PublishInfo{Topic: topic, Mode: mode, Backend: c.caps.Backend, Messages: msgs}
	for _, f := range c.set.interceptors {
		ctx = f(ctx, p)
	}
	if len(msgs) == 1 && printOf(msgs[0]) == before {
		return ctx, nil // the common case without a provider: nothing set
	}
	for _, m := range msgs {
		if err := c.validate(op, m, now); err != nil {
			err = c.wrap(op, err)
			c.published(ctx, topic, msgs[0], len(msgs), err, now)
			return ctx, err
		}
	}
	return ctx, nil
}

// headerPrint tells whether a message's headers may have changed: the
// map's identity and size. A value replaced in place under an existing
// name goes unnoticed; interceptors add headers (into a copy of the map,
// as the PublishInterceptor documentation asks).
type headerPrint struct {
	m unsafe.Pointer
	n int
}

func printOf(m *Message) headerPrint {
	return headerPrint{*(*unsafe.Pointer)(unsafe.Pointer(&m.Headers)), len(m.Headers)}
}
