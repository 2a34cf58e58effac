package typed

import (
	"context"
	"fmt"
	"maps"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Publisher publishes values of type T to one topic, encoded with one Codec.
// It holds no resources of its own: the Client does. Safe for concurrent use.
type Publisher[T any] struct {
	c     *mq.Client
	topic string
	codec Codec
}

// NewPublisher returns a Publisher of T values to topic through c. A nil
// client or codec makes every Publish fail with mq.ErrInvalidArgument.
func NewPublisher[T any](c *mq.Client, topic string, codec Codec) *Publisher[T] {
	return &Publisher[T]{c: c, topic: topic, codec: codec}
}

// stamp gives an error of the Publisher the client's backend and the op
// "typed publish", as mq's own errors (driver.Stamp).
func (p *Publisher[T]) stamp(err error) error {
	backend := ""
	if p.c != nil {
		backend = p.c.Capabilities().Backend
	}
	return driver.Stamp(backend, "typed publish", err)
}

// Message returns the message Publish would send for v: a copy of m (of an
// empty message when m is nil) with v encoded as its Body and the codec's
// content type in header HeaderContentType; m itself is not changed. m
// carries the rest (ID, Key, Tag, Headers, Delay); its Body must be empty
// and its content type header absent or the codec's. Use it with
// Client.PublishBatch, PublishAsync or PublishTx.
func (p *Publisher[T]) Message(v T, m *mq.Message) (*mq.Message, error) {
	if p.codec == nil {
		return nil, p.stamp(&mq.Error{Code: driver.CodeInvalidArgument, Msg: "nil codec"})
	}
	out := new(mq.Message)
	if m != nil {
		*out = *m
	}
	if len(out.Body) > 0 {
		return nil, p.stamp(&mq.Error{Code: driver.CodeInvalidArgument, Msg: "the message has a Body already; the codec writes it"})
	}
	ct := p.codec.ContentType()
	have, set := out.Headers[HeaderContentType]
	if set && !sameMediaType(have, ct) {
		return nil, p.stamp(&mq.Error{Code: driver.CodeInvalidArgument,
			Msg: fmt.Sprintf("header %s is %q, not the codec's %q", HeaderContentType, have, ct)})
	}
	b, err := p.codec.Marshal(v)
	if err != nil {
		return nil, p.stamp(&mq.Error{Code: driver.CodeInvalidArgument, Msg: "encoding " + typeName[T]() + " as " + ct, Err: err})
	}
	out.Body = b
	out.Headers = maps.Clone(out.Headers)
	if !set {
		out.SetHeader(HeaderContentType, ct)
	}
	return out, nil
}

// Publish encodes v and publishes it with Client.Publish (opts are its
// options): it returns once the broker confirmed, or with the error. m (nil:
// none) gives the ID, Key, Tag, Headers and Delay, as for Message; its Body
// stays empty, so the same m can be published again after a failure, and,
// as with Client.Publish, a confirmed publish sets its ID, BrokerID,
// Partition and Offset. An encoding failure is mq.ErrInvalidArgument, and
// nothing is sent.
func (p *Publisher[T]) Publish(ctx context.Context, v T, m *mq.Message, opts ...mq.Option) error {
	if p.c == nil {
		return p.stamp(&mq.Error{Code: driver.CodeInvalidArgument, Msg: "nil client"})
	}
	out, err := p.Message(v, m)
	if err != nil {
		return err
	}
	if err := p.c.Publish(ctx, p.topic, out, opts...); err != nil {
		return err
	}
	if m != nil {
		m.ID, m.BrokerID, m.Partition, m.Offset = out.ID, out.BrokerID, out.Partition, out.Offset
	}
	return nil
}
