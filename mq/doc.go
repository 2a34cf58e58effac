// Package mq is the portable API of unimq: one way to publish and consume
// messages on Apache RocketMQ, RabbitMQ, Apache Kafka and an in-memory
// backend, picked by URL at run time.
//
//	import (
//		"github.com/unimq/unimq/mq"
//		_ "github.com/unimq/unimq/memory" // and/or kafka, rabbitmq, rocketmq
//	)
//
//	c, err := mq.OpenEnv(ctx, "memory://") // MQ_URL picks the backend
//	err = c.Publish(ctx, "orders", &mq.Message{Key: "order-1", Tag: "created", Body: b})
//	sub, err := c.Subscribe(ctx, "orders", handle, mq.Group("billing"))
//	defer sub.Close(ctx)
//
// # Contract
//
// Every backend passes the conformance suite in mq/mqtest:
//
//   - Wire-native: bodies and headers travel as the broker's own; no envelope.
//   - At-least-once: a message is acknowledged only after its Handler returned
//     nil (or Message.Ack in pull mode). Errors, panics and handler timeouts
//     lead to redelivery after backoff, with Message.Attempt counting; after
//     MaxAttempts the message goes to the dead letter with the reason in
//     header "unimq-dead-reason".
//   - Groups compete within, and each group gets every message; Broadcast
//     gives every subscriber everything.
//   - Ordered subscribers get the messages of one Key in publish order; a
//     failing message is retried in place and blocks only its key.
//   - SubscribeBatch hands a BatchHandler up to BatchSize messages gathered
//     for at most BatchLinger; a BatchError fails only the messages it
//     names, the rest are acknowledged.
//   - Delay, transactions, one-way and async publishing exist where the
//     backend has them (Client.Capabilities); elsewhere they fail with
//     ErrUnsupported before anything is sent.
//
// # Blocking and concurrency
//
// Client, Subscriber and Consumer are safe for concurrent use. Every call
// that waits on the network takes a ctx first and returns when it is done:
// Open, Publish, PublishBatch, PublishTx, Subscribe (until the subscription
// is established), Consumer.Receive, Ack/Nack and Close. PublishAsync and
// PublishOneWay return as soon as the message is queued/written.
//
// A Subscriber runs Concurrency workers and holds up to its Prefetch of
// messages (default: Concurrency, or the backend's MinPrefetch when larger:
// 256 on Kafka). Workers take received messages in chunks sized from the
// measured handler time (fast handlers: up to a quarter of the prefetch per
// hand-off; slow ones: one each); the messages of a chunk not started after
// 1 ms go to other workers, so a blocked handler never holds back the rest.
// While handlers are fast, the receive loop waits up to 100 µs for half of
// the prefetch to be free, so messages move in batches. Ordered subscribers
// run one message per key at a time, at most Concurrency keys at once. A
// batch Subscriber (SubscribeBatch) runs Concurrency batch workers; one
// gathers a batch at a time while the others handle theirs (Ordered: one
// worker per lane of keys).
//
// Close stops intake, waits for running handlers and async callbacks
// (bounded by its ctx), settles what finished and leaves no goroutine.
// Calls after Close return ErrClosed.
//
// # Input rules
//
// Every call is checked before anything is sent, the same way on every
// backend, and what passes is carried byte-exact: topics against the
// backend's Capabilities().Topics rule; group names, IDs, keys, tags and
// header names as valid UTF-8 without control characters (tags and header
// names at most 255 bytes; header names starting with "unimq-" are
// reserved); header values as valid UTF-8; the whole message against
// MaxMessageSize. Anything else is ErrInvalidArgument (ErrTooLarge for
// size), never altered. Tag patterns match in time linear in the tag's
// length. Open refuses URLs that are not exactly well formed without
// repeating them. A handler that ignores its canceled ctx past
// HandlerTimeout keeps its slot until it returns.
//
// # Observability
//
// WithPublishInterceptor runs before every publish mode and may set headers
// (a trace context); WithHook sees every publish and settlement (Event);
// WithMiddleware wraps handlers, Open-level ones outside Subscribe-level
// ones. Package otelmq builds OpenTelemetry traces and metrics from these
// three. Client.Ping and Subscriber.State answer health and readiness
// probes.
//
// # Logging
//
// unimq logs on the client's logger (WithLogger; WithLogLevel filters):
// Warn for a message dead-lettered, an ack, nack or receive that failed
// and will be retried, and a handler that ignored its canceled ctx past
// HandlerTimeout; Error for a recovered handler panic, with its stack. The
// backend's client library logs there too where it can be routed.
//
// # Errors
//
// Errors are *Error values with a Code; match them with errors.Is against
// ErrClosed, ErrUnsupported, ErrInvalidArgument, ErrInvalidOption,
// ErrTooLarge, ErrTimeout, ErrUnavailable... Every error a method returns
// (or a PublishAsync callback gets) is one *Error, stamped with the
// backend and the operation, whichever layer built it, and reads
//
//	unimq <backend> <op>: <code>: <detail>
//	unimq kafka publish: too large: message of 2000000 bytes exceeds the limit of 1000000
//
// (an Open whose URL names no registered backend: "unimq open: ...").
// errors.As(err, &e) with e an *Error gives e.Backend, e.Op and e.Code; the
// cause, when a client library gave one, is e.Err. URLs are printed with
// credentials redacted, and a malformed URL is never repeated.
package mq
