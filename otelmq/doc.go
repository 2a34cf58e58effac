// Package otelmq instruments unimq with OpenTelemetry: W3C trace context
// and baggage in message headers, spans and metrics named by the
// OpenTelemetry messaging semantic conventions, and an slog handler that
// puts the trace id on log records. It depends on the OpenTelemetry API
// only; install an SDK before opening clients (or nothing: then a client
// opened through ClientOptions carries no instrumentation and costs nothing).
//
//	tel := otelmq.New() // global providers; or WithTracerProvider, WithMeterProvider
//	c, err := mq.Open(ctx, url, tel.ClientOptions()...)
//
// ClientOptions installs three things on the client:
//
//   - a PublishInterceptor that starts a producer span "send <topic>"
//     (kind Producer) and injects its context (traceparent, tracestate,
//     baggage) into the headers of every message, on every publish mode;
//     the Hook ends the span when the broker confirmed (or refused) it.
//   - a handler middleware that extracts the producer's context from the
//     received headers and starts a consumer span "process <topic>" (kind
//     Consumer) as its child, with a link to it as well, so that the trace
//     goes on through the handler (and through what it publishes, on any
//     broker) while a backend that links only still shows the producer.
//   - a Hook that records the metrics and turns retries and dead letters
//     into a settle span ("nack <topic>", "dead_letter <topic>") carrying an
//     event "retry" or "dead_letter" with the reason and the attempt.
//
// # Attributes
//
// messaging.system (kafka, rabbitmq, rocketmq, memory),
// messaging.destination.name, messaging.consumer.group.name,
// messaging.operation.name and .type, messaging.message.id,
// messaging.message.body.size, messaging.batch.message_count,
// messaging.destination.partition.id, messaging.kafka.offset and
// messaging.kafka.message.key (Kafka), messaging.rabbitmq.destination.routing_key
// (RabbitMQ: the Tag), messaging.rocketmq.message.tag and .keys (RocketMQ),
// unimq.message.attempt, error.type (the unimq error code, such as
// "timeout", or the Go type of the handler's error).
//
// # Metrics
//
//   - messaging.client.operation.duration (s): publishes, by operation.
//   - messaging.client.sent.messages: messages the client tried to send.
//   - messaging.client.consumed.messages: deliveries settled (acked,
//     retried or dead-lettered) by subscribers and consumers.
//   - messaging.process.duration (s): handler time.
//   - unimq.messaging.retries, unimq.messaging.dead_letters: by topic and
//     group, with error.type.
//   - unimq.messaging.handlers.active: handlers running now.
//
// # Blocking and concurrency
//
// Nothing here blocks: the interceptor, middleware and hook do a few map
// and attribute operations and hand spans and measurements to the SDK.
// A Telemetry is safe for concurrent use by any number of clients.
//
// # Cost without a provider
//
// When neither a tracer provider nor a meter provider is installed (the
// global ones untouched, or noop ones given), every entry point returns
// after a few loads and comparisons: no allocation, no header written.
package otelmq
