package rocketmq_test

import (
	"context"
	"strings"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

func nameServers(t *testing.T) []string { return nameServersOf(brokerURL(t)) }

func nameServersOf(url string) []string {
	u := strings.TrimPrefix(url, "rocketmq://")
	if i := strings.IndexAny(u, "?/"); i >= 0 {
		u = u[:i]
	}
	return strings.FieldsFunc(u, func(r rune) bool { return r == ';' || r == ',' })
}

// A message from a plain rocketmq-client-go producer reaches a unimq
// subscriber with its tag, keys and properties.
func TestInteropFromPlainProducer(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("interop-in")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-in")), mq.TagFilter("TagA"))

	p, err := rmq.NewProducer(producer.WithNsResolver(primitive.NewPassthroughResolver(nameServers(t))),
		producer.WithGroupName(mqtest.UniqueName("plain-p")), producer.WithInstanceName(mqtest.UniqueName("plain")))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	m := primitive.NewMessage(topic, []byte("hello from a plain producer")).WithTag("TagA").WithKeys([]string{"order-7"})
	m.WithProperty("trace", "abc")
	res, err := p.SendSync(t.Context(), m)
	require.NoError(t, err)
	require.Equal(t, primitive.SendOK, res.Status)

	col.WaitDone(t, wait, res.MsgID)
	got := col.Of(res.MsgID)[0].Msg
	require.Equal(t, "hello from a plain producer", string(got.Body))
	require.Equal(t, "TagA", got.Tag)
	require.Equal(t, "order-7", got.Key)
	require.Equal(t, "abc", got.Header("trace"))
	require.Equal(t, res.MsgID, got.BrokerID)
	require.Equal(t, 1, got.Attempt)
}

// A message published by unimq is an ordinary message to a plain push consumer.
func TestInteropToPlainConsumer(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("interop-out")
	require.NoError(t, rocketmq.CreateTopic(t.Context(), c, topic, 4))

	got := make(chan *primitive.MessageExt, 10)
	pc, err := rmq.NewPushConsumer(consumer.WithNsResolver(primitive.NewPassthroughResolver(nameServers(t))),
		consumer.WithGroupName(mqtest.UniqueName("plain-c")), consumer.WithInstance(mqtest.UniqueName("plain")),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "TagB"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			for _, m := range msgs {
				got <- m
			}
			return consumer.ConsumeSuccess, nil
		}))
	require.NoError(t, pc.Start())
	defer pc.Shutdown()

	m := &mq.Message{ID: "u-1", Key: "order-9", Tag: "TagB", Body: []byte("hello from unimq"),
		Headers: map[string]string{"trace": "xyz"}}
	require.NoError(t, c.Publish(t.Context(), topic, m))
	select {
	case me := <-got:
		require.Equal(t, "hello from unimq", string(me.Body))
		require.Equal(t, "TagB", me.GetTags())
		require.Equal(t, "order-9", me.GetKeys())
		require.Equal(t, "order-9", me.GetProperty("__SHARDINGKEY"), "RocketMQ's own sharding key property")
		require.Equal(t, "xyz", me.GetProperty("trace"))
		require.Equal(t, "u-1", me.GetProperty(rocketmq.PropertyID))
		require.Equal(t, m.BrokerID, me.MsgId)
	case <-time.After(wait):
		t.Fatalf("the plain consumer got nothing within %v", wait)
	}
}
