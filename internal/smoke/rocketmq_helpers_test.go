package smoke

import (
	"context"
	"testing"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// rocketmqSend sends body to topic with a raw producer of group and checks
// SEND_OK.
func rocketmqSend(ctx context.Context, t *testing.T, ns []string, topic, group, body string) {
	t.Helper()
	p, err := rocketmq.NewProducer(
		producer.WithNsResolver(primitive.NewPassthroughResolver(ns)),
		producer.WithGroupName(group+"-p"),
		producer.WithInstanceName(group+"-p"),
		producer.WithRetry(2),
	)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("producer start: %v", err)
	}
	defer func() { _ = p.Shutdown() }()
	res, err := p.SendSync(ctx, primitive.NewMessage(topic, []byte(body)))
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if res.Status != primitive.SendOK {
		t.Fatalf("send status %v", res.Status)
	}
}

// rocketmqReceiveOne consumes topic from the first offset with a raw push
// consumer of group and returns the first body, failing t when ctx ends
// first.
func rocketmqReceiveOne(ctx context.Context, t *testing.T, ns []string, topic, group string) string {
	t.Helper()
	got := make(chan string, 16)
	c, err := rocketmq.NewPushConsumer(
		consumer.WithNsResolver(primitive.NewPassthroughResolver(ns)),
		consumer.WithGroupName(group),
		consumer.WithInstance(group+"-c"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	err = c.Subscribe(topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			select {
			case got <- string(m.Body):
			default:
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("consumer start: %v", err)
	}
	defer func() { _ = c.Shutdown() }()
	select {
	case b := <-got:
		return b
	case <-ctx.Done():
		t.Fatalf("nothing received from %s: %v", topic, ctx.Err())
		return ""
	}
}
