package kafka_test

import (
	"context"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/otelmq/otelmqtest"
)

// TestOpenTelemetry runs otelmq's shared test; a plain sarama consumer
// reads the traceparent record header.
func TestOpenTelemetry(t *testing.T) {
	otelmqtest.Run(t, otelmqtest.Harness{
		Backend: "kafka",
		Open: func(t *testing.T, opts ...mq.Option) *mq.Client {
			return openURL(t, brokertest.KafkaURL(t), true, opts...)
		},
		Topic: func(*testing.T) string { return mqtest.UniqueName("otel") },
		Raw: func(ctx context.Context, t *testing.T, _ *mq.Client, topic string) func(*mq.Message) map[string]string {
			return func(m *mq.Message) map[string]string { return rawKafkaHeaders(ctx, t, topic, m.Partition, m.Offset) }
		},
	})
}

// rawKafkaHeaders reads the record at partition/offset of topic with a
// plain sarama consumer and returns its headers.
func rawKafkaHeaders(ctx context.Context, t *testing.T, topic string, partition int32, offset int64) map[string]string {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cons, err := sarama.NewConsumer(brokertest.KafkaAddrs(t), cfg)
	require.NoError(t, err)
	defer cons.Close()
	pc, err := cons.ConsumePartition(topic, partition, offset)
	require.NoError(t, err)
	defer pc.Close()
	select {
	case rec := <-pc.Messages():
		h := map[string]string{}
		for _, rh := range rec.Headers {
			h[string(rh.Key)] = string(rh.Value)
		}
		return h
	case err := <-pc.Errors():
		t.Fatalf("raw consumer: %v", err)
	case <-ctx.Done():
		t.Fatalf("raw consumer: %v", ctx.Err())
	}
	return nil
}
