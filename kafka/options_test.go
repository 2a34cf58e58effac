package kafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// kafka's options are mq.Options refused outside their scope, before any
// broker is asked, and ignored by other backends within it.
func TestOptionsAreScoped(t *testing.T) {
	ctx := context.Background()
	_, err := mq.Open(ctx, "kafka://127.0.0.1:1", kafka.WithPartition(1))
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "kafka.WithPartition applies to Publish, not Open") {
		t.Fatalf("WithPartition at Open: %v", err)
	}
	c, err := mq.Open(ctx, memory.Scheme+"://kafka-options", kafka.WithCompression(sarama.CompressionGZIP),
		kafka.WithDefaultPartitions(3), kafka.WithTLS(nil))
	if err != nil {
		t.Fatalf("kafka Open options on memory: %v", err)
	}
	defer c.Close(ctx)
	if err := c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, kafka.WithPartition(0)); err != nil {
		t.Fatalf("WithPartition on a memory Publish: %v", err)
	}
	err = c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, kafka.WithCompression(sarama.CompressionGZIP))
	if !errors.Is(err, mq.ErrInvalidOption) || !strings.Contains(err.Error(), "kafka.WithCompression applies to Open, not Publish") {
		t.Fatalf("WithCompression at Publish: %v", err)
	}
	_, err = c.NewConsumer(ctx, "t", kafka.WithPartition(0))
	if !errors.Is(err, mq.ErrInvalidOption) {
		t.Fatalf("WithPartition at NewConsumer: %v", err)
	}
}
