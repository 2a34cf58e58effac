package rocketmq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

// plainConsumer reads topic (created with queues queues) from its first
// offset with a plain rocketmq-client-go push consumer: what any other
// client sees.
func plainConsumer(t *testing.T, c *mq.Client, topic string, queues int) <-chan *primitive.MessageExt {
	t.Helper()
	require.NoError(t, rocketmq.CreateTopic(t.Context(), c, topic, queues))
	got := make(chan *primitive.MessageExt, 100)
	pc, err := rmq.NewPushConsumer(consumer.WithNsResolver(primitive.NewPassthroughResolver(nameServers(t))),
		consumer.WithGroupName(mqtest.UniqueName("plain-c")), consumer.WithInstance(mqtest.UniqueName("plain")),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	require.NoError(t, err)
	require.NoError(t, pc.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"},
		func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			for _, m := range msgs {
				got <- m
			}
			return consumer.ConsumeSuccess, nil
		}))
	require.NoError(t, pc.Start())
	t.Cleanup(func() { _ = pc.Shutdown() })
	return got
}

func next(t *testing.T, got <-chan *primitive.MessageExt, what string) *primitive.MessageExt {
	t.Helper()
	select {
	case me := <-got:
		return me
	case <-time.After(wait):
		t.Fatalf("the plain consumer got no %s within %v", what, wait)
		return nil
	}
}

// A field that would inject or rewrite a RocketMQ property (ID, Key, Tag,
// header names and values), or that is not valid UTF-8, is refused with
// ErrInvalidArgument and nothing reaches the broker: the first message a
// plain consumer reads from the topic (one queue, so in storage order) is
// the valid one sent afterwards. (Before the fix each of these publishes
// returned nil.)
func TestWireInjectionRefusedNothingSent(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("wire-inject")
	got := plainConsumer(t, c, topic, 1)
	bad := map[string]*mq.Message{
		"id TRAN_MSG":           {ID: "x\x02TRAN_MSG\x01true"},
		"key DELAY":             {Key: "k\x02DELAY\x013"},
		"id TAGS":               {ID: "x\x02TAGS\x01evil", Tag: "good"},
		"header name newline":   {Headers: map[string]string{"a\nb": "v"}},
		"header value DELAY":    {Headers: map[string]string{"h": "v\x02DELAY\x013"}},
		"key with space":        {Key: "two keys"},
		"invalid UTF-8 header":  {Headers: map[string]string{"h": "caf\xe9"}},
		"invalid UTF-8 key":     {Key: "k\xff"},
		"invalid UTF-8 tag":     {Tag: "t\xfe"},
		"invalid UTF-8 id":      {ID: "\xc3\x28"},
		"invalid UTF-8 hdrname": {Headers: map[string]string{"h\xff": "v"}},
	}
	for name, m := range bad {
		m.Body = []byte("bad: " + name)
		for mode, publish := range map[string]func() error{
			"sync":  func() error { return c.Publish(t.Context(), topic, m) },
			"batch": func() error { return c.PublishBatch(t.Context(), topic, []*mq.Message{{Body: []byte("ok")}, m}) },
			"tx": func() error {
				return c.PublishTx(t.Context(), topic, []*mq.Message{m}, func(context.Context) error { return nil })
			},
			"one-way": func() error { return c.PublishOneWay(t.Context(), topic, m) },
			"async": func() error {
				// refused before it is queued (returned), or through the callback
				res := make(chan error, 1)
				if err := c.PublishAsync(t.Context(), topic, m, func(_ *mq.Message, err error) { res <- err }); err != nil {
					return err
				}
				return <-res
			},
		} {
			err := publish()
			require.Error(t, err, "%s (%s)", name, mode)
			require.True(t, errors.Is(err, mq.ErrInvalidArgument), "%s (%s): %v", name, mode, err)
		}
	}
	good := &mq.Message{ID: "good-1", Key: "k-1", Tag: "good", Body: []byte("good")}
	require.NoError(t, c.Publish(t.Context(), topic, good))
	me := next(t, got, "message")
	require.Equal(t, "good", string(me.Body), "a refused message reached the broker")
}

// The body is bytes: invalid UTF-8 and every byte value arrive byte-exact.
func TestWireBinaryBodyByteExact(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("wire-body")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-body")))
	body := []byte("caf\xe9 \xff\xfe\x00\x01\x02")
	for i := 0; i < 256; i++ {
		body = append(body, byte(i))
	}
	m := &mq.Message{ID: mqtest.UniqueName("bin"), Body: body}
	require.NoError(t, c.Publish(t.Context(), topic, m))
	col.WaitDone(t, wait, m.ID)
	require.Equal(t, body, col.Of(m.ID)[0].Msg.Body)
}

// Wire details other clients see: the Key's sharding copy is RocketMQ's own
// __SHARDINGKEY, and PublishTx messages carry no private property.
func TestWireProperties(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("wire-props")
	got := plainConsumer(t, c, topic, 4)
	require.NoError(t, c.Publish(t.Context(), topic, &mq.Message{ID: "plain-1", Key: "order-1", Body: []byte("p")}))
	me := next(t, got, "published message")
	require.Equal(t, "order-1", me.GetProperty("__SHARDINGKEY"))
	require.Equal(t, "order-1", me.GetKeys())
	require.Empty(t, me.GetProperty("SHARDING_KEY"))

	tx := []*mq.Message{{ID: "tx-1", Key: "order-2", Body: []byte("t1")}, {ID: "tx-2", Key: "order-2", Body: []byte("t2")}}
	require.NoError(t, c.PublishTx(t.Context(), topic, tx, func(context.Context) error { return nil }))
	for i := 0; i < 2; i++ {
		me := next(t, got, fmt.Sprintf("transactional message %d", i+1))
		props := me.GetProperties()
		for k := range props {
			require.NotContains(t, k, "UNIMQ", "a private property reached other consumers: %v", props)
		}
	}
}
