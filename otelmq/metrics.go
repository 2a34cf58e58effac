package otelmq

import (
	"context"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Metric names: the OpenTelemetry messaging conventions', then unimq's own.
const (
	MetricOperationDuration = "messaging.client.operation.duration"
	MetricSentMessages      = "messaging.client.sent.messages"
	MetricConsumedMessages  = "messaging.client.consumed.messages"
	MetricProcessDuration   = "messaging.process.duration"
	MetricRetries           = "unimq.messaging.retries"
	MetricDeadLetters       = "unimq.messaging.dead_letters"
	MetricHandlersActive    = "unimq.messaging.handlers.active"
	// MetricBacklog is the consumer lag: messages waiting for a group
	// (mq.Client.Backlog), an observable gauge. The messaging conventions
	// define none yet (Kafka's old messaging.kafka.consumer.lag was
	// per partition and Kafka only).
	MetricBacklog = "unimq.messaging.consumer.backlog"
)

// durationBuckets are the conventions' advice for messaging durations (s).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

type instruments struct {
	opDuration  metric.Float64Histogram
	sent        metric.Int64Counter
	consumed    metric.Int64Counter
	process     metric.Float64Histogram
	retries     metric.Int64Counter
	deadLetters metric.Int64Counter
	active      metric.Int64UpDownCounter
}

// init creates the instruments; one the meter refuses is a no-op (the
// meter has reported why through otel.Handle).
func (in *instruments) init(m metric.Meter) {
	var nm noop.Meter
	hist := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(durationBuckets...))
		if err != nil || h == nil {
			h, _ = nm.Float64Histogram(name)
		}
		return h
	}
	count := func(name, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit("{message}"), metric.WithDescription(desc))
		if err != nil || c == nil {
			c, _ = nm.Int64Counter(name)
		}
		return c
	}
	in.opDuration = hist(MetricOperationDuration, "Duration of messaging operation initiated by a producer or consumer client.")
	in.process = hist(MetricProcessDuration, "Duration of processing operation.")
	in.sent = count(MetricSentMessages, "Number of messages producer attempted to send to the broker.")
	in.consumed = count(MetricConsumedMessages, "Number of messages that were delivered to the application.")
	in.retries = count(MetricRetries, "Failed deliveries sent back for redelivery.")
	in.deadLetters = count(MetricDeadLetters, "Messages moved to the dead letter.")
	var err error
	in.active, err = m.Int64UpDownCounter(MetricHandlersActive, metric.WithUnit("{handler}"),
		metric.WithDescription("Handlers running now."))
	if err != nil || in.active == nil {
		in.active, _ = nm.Int64UpDownCounter(MetricHandlersActive)
	}
}

// publishOn reports whether a publish would record anything.
func (in *instruments) publishOn(ctx context.Context) bool {
	return (in.opDuration.Enabled(ctx) || in.sent.Enabled(ctx))
}

// settleOn reports whether a settlement would record anything.
func (in *instruments) settleOn(ctx context.Context) bool {
	return (in.consumed.Enabled(ctx) || in.retries.Enabled(ctx) || in.deadLetters.Enabled(ctx))
}

// processOn reports whether a handler call would record anything.
func (in *instruments) processOn(ctx context.Context) bool {
	return (in.process.Enabled(ctx) || in.active.Enabled(ctx))
}
