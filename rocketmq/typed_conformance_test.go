package rocketmq_test

import (
	"context"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
	"github.com/unimq/unimq/mq/typed/typedtest"
)

// TestTypedConformance runs the typed layer's suite on the real broker; a
// plain rocketmq-client-go push consumer checks that the content type is a
// message property.
func TestTypedConformance(t *testing.T) {
	url := brokerURL(t)
	typedtest.Run(t, typedtest.Harness{
		Open: func(ctx context.Context, t testing.TB) (*mq.Client, error) { return mq.Open(ctx, url) },
		NewTopic: func(ctx context.Context, t testing.TB) string {
			topic := mqtest.UniqueName("rmq-typed")
			if err := brokertest.RocketMQEnsureTopic(ctx, brokertest.RocketMQNameServers(t), brokertest.RocketMQBrokerAddr(t), topic, 4); err != nil {
				t.Fatalf("create topic %s: %v", topic, err)
			}
			return topic
		},
		Raw: func(ctx context.Context, t testing.TB, topic string) <-chan typedtest.RawMessage {
			return rocketReader(t, nameServersOf(url), topic)
		},
		Wait:             30 * time.Second,
		Quiet:            time.Second,
		IgnoreGoroutines: brokertest.RocketMQClientGoroutines,
	})
}

// rocketReader reads topic from its first offset with a plain push
// consumer of its own group, until the test ends.
func rocketReader(t testing.TB, nameServers []string, topic string) <-chan typedtest.RawMessage {
	pc, err := rmq.NewPushConsumer(consumer.WithNsResolver(primitive.NewPassthroughResolver(nameServers)),
		consumer.WithGroupName(mqtest.UniqueName("plain-typed")), consumer.WithInstance(mqtest.UniqueName("plain")),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		t.Fatalf("push consumer: %v", err)
	}
	out := make(chan typedtest.RawMessage, 16)
	done := make(chan struct{})
	err = pc.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			select {
			case out <- typedtest.RawMessage{ContentType: m.GetProperty(typed.HeaderContentType), Body: m.Body}:
			case <-done:
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := pc.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		close(done)
		_ = pc.Shutdown()
	})
	return out
}
