// Package typed publishes and consumes Go values instead of bytes: a Codec
// turns a value into a message body and back, and the codec's content type
// travels with the message in the broker's native place, where any other
// client of the broker sees it:
//
//	backend    content type carried as
//	RabbitMQ   the AMQP content-type property
//	Kafka      record header "content-type"
//	RocketMQ   user property "content-type"
//	memory     header "content-type"
//
// (all four are mq.Message header HeaderContentType, "content-type"; the
// rabbitmq adapter maps that header to the AMQP property both ways).
//
//	orders := typed.NewPublisher[Order](c, "orders", typed.JSON)
//	err := orders.Publish(ctx, Order{ID: 7}, &mq.Message{Key: "order-7", Tag: "created"})
//
//	sub, err := typed.Subscribe(ctx, c, "orders", typed.JSON,
//		func(ctx context.Context, o Order, m *mq.Message) error { ... }, mq.Group("billing"))
//
// # Receiving
//
// Before a handler runs, the message's content type is checked against the
// codec's (media type only, case-insensitive, parameters such as charset
// ignored; a message without one, as plain clients often send, is decoded
// as is) and the body is decoded into a new T. When either fails the
// handler is not called and the message goes to the dead letter at once,
// without retries, with the *DecodeError (errors.Is(err, ErrDecode)) as the
// reason in header unimq-dead-reason: a body that does not decode now never
// will. For a pointer type T (such as a generated protobuf message *pb.Order)
// a new value is allocated for each message; for other types a pointer to a
// zero T is decoded into. Decode does the same for a message received from
// an mq.Consumer; Nack it with mq.NoRetry(err) to dead-letter it at once.
//
// A Router runs a typed handler chosen by the message's Tag, all on one
// subscription; messages with a tag no route names are acknowledged or
// dead-lettered, as the Router was told.
//
// Codecs: JSON here (encoding/json); Protocol Buffers in package
// mq/typed/protocodec, kept apart so that JSON users do not link
// google.golang.org/protobuf. Any other format is a Codec of your own.
//
// # Blocking and concurrency
//
// Publisher.Publish blocks as mq.Client.Publish does (until the broker
// confirmed, bounded by ctx); Subscribe blocks until the subscription is
// established. Publisher, Router and the handlers Handle returns are safe
// for concurrent use: a Subscriber runs them on its Concurrency workers.
// Routes may be added while messages flow. Codecs must be safe for
// concurrent use. This package starts no goroutine of its own.
package typed
