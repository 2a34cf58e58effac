package smoke

import (
	"context"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/unimq/unimq/internal/brokertest"
)

func TestRocketMQRoundTrip(t *testing.T) {
	ns := brokertest.RocketMQNameServers(t)
	brokerAddr := brokertest.RocketMQBrokerAddr(t)
	topic := uniqueName("rmq")
	group := topic + "-g"

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	if err := brokertest.RocketMQEnsureTopic(ctx, ns, brokerAddr, topic, 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("topic routed in %v", time.Since(start))

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
	body := "hello " + topic
	res, err := p.SendSync(ctx, primitive.NewMessage(topic, []byte(body)))
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if res.Status != primitive.SendOK {
		t.Fatalf("send status %v", res.Status)
	}
	t.Logf("sent after %v", time.Since(start))

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
		if b != body {
			t.Fatalf("got %q, want %q", b, body)
		}
		t.Logf("received after %v", time.Since(start))
	case <-ctx.Done():
		t.Fatal("no message within 90s")
	}
}
