package kafka_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
	"github.com/unimq/unimq/mq/typed/typedtest"
)

// TestTypedConformance runs the typed layer's suite on the real broker; a
// plain sarama consumer checks that the content type is a record header.
func TestTypedConformance(t *testing.T) {
	u := brokertest.KafkaURL(t)
	addrs := brokertest.KafkaAddrs(t)
	typedtest.Run(t, typedtest.Harness{
		Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) { return mq.Open(ctx, u) },
		NewTopic: func(ctx context.Context, t testing.TB) string {
			c, err := mq.Open(ctx, u)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer func() { _ = c.Close(context.Background()) }()
			name := mqtest.UniqueName("unimq-typed")
			if err := kafka.CreateTopic(ctx, c, name, 3, 1); err != nil {
				t.Fatalf("create topic: %v", err)
			}
			return name
		},
		Raw: func(ctx context.Context, t testing.TB, topic string) <-chan typedtest.RawMessage {
			return saramaReader(t, addrs, topic)
		},
		Wait:             30 * time.Second,
		Quiet:            time.Second,
		IgnoreGoroutines: globalGoroutines,
	})
}

// saramaReader reads every partition of topic from the oldest record with a
// plain sarama consumer, until the test ends.
func saramaReader(t testing.TB, addrs []string, topic string) <-chan typedtest.RawMessage {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	client, err := sarama.NewClient(addrs, cfg)
	if err != nil {
		t.Fatalf("sarama client: %v", err)
	}
	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		_ = client.Close()
		t.Fatalf("sarama consumer: %v", err)
	}
	out := make(chan typedtest.RawMessage, 16)
	done := make(chan struct{})
	var (
		wg  sync.WaitGroup
		pcs []sarama.PartitionConsumer
	)
	stop := func() {
		close(done)
		wg.Wait()
		for _, pc := range pcs {
			_ = pc.Close()
		}
		_ = cons.Close()
		_ = client.Close()
	}
	parts, err := client.Partitions(topic)
	if err != nil {
		stop()
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	for _, p := range parts {
		pc, err := consumePartition(client, cons, topic, p)
		if err != nil {
			stop()
			t.Fatalf("consume partition %d: %v", p, err)
		}
		pcs = append(pcs, pc)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case r := <-pc.Messages():
					m := typedtest.RawMessage{Body: r.Value}
					for _, h := range r.Headers {
						if string(h.Key) == typed.HeaderContentType {
							m.ContentType = string(h.Value)
						}
					}
					select {
					case out <- m:
					case <-done:
						return
					}
				case <-done:
					return
				}
			}
		}()
	}
	t.Cleanup(stop)
	return out
}

// consumePartition starts reading partition p from the oldest record; a
// topic created a moment ago may still have stale leaders in the client's
// metadata, so it refreshes them and tries again for up to 30 s.
func consumePartition(client sarama.Client, cons sarama.Consumer, topic string, p int32) (sarama.PartitionConsumer, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err == nil || time.Now().After(deadline) {
			return pc, err
		}
		time.Sleep(200 * time.Millisecond) // between metadata requests
		if rerr := client.RefreshMetadata(topic); rerr != nil && time.Now().After(deadline) {
			return nil, rerr
		}
	}
}
