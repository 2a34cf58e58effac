package rabbitmq_test

// Wire-native: a unimq message is an ordinary AMQP message to a plain
// amqp091-go client, and the other way round.

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

func rawChannel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(brokertest.AMQPURI(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	require.NoError(t, err)
	return ch
}

func TestInteropPlainPublisherToUnimq(t *testing.T) {
	c := open(t, "")
	topic := unique("interop-in")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("unimq", nil), mq.Group("g"), mq.TagPattern("order.*"))

	ch := rawChannel(t)
	require.NoError(t, ch.Confirm(false))
	body := []byte{0, 1, 2, 0xff, 'x'}
	ts := time.Unix(1_700_000_000, 0)
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctxT(t), topic, "order.created", true, false, amqp.Publishing{
		MessageId:     "plain-1",
		ContentType:   "application/json",
		CorrelationId: "corr-9",
		Timestamp:     ts,
		Headers:       amqp.Table{"x-custom": "v", "n": int32(5), "flag": true},
		Body:          body,
	})
	require.NoError(t, err)
	ok, err := dc.WaitContext(ctxT(t))
	require.NoError(t, err)
	require.True(t, ok)

	col.WaitDone(t, wait, "plain-1")
	m := col.Of("plain-1")[0].Msg
	require.Equal(t, body, m.Body)
	require.Equal(t, "order.created", m.Tag)
	require.Equal(t, topic, m.Topic)
	require.Equal(t, 1, m.Attempt)
	require.True(t, m.PublishTime.Equal(ts))
	require.Equal(t, map[string]string{
		"content-type":   "application/json",
		"correlation-id": "corr-9",
		"x-custom":       "v",
		"n":              "5",
		"flag":           "true",
	}, m.Headers)
}

func TestInteropUnimqToPlainConsumer(t *testing.T) {
	c := open(t, "")
	topic := unique("interop-out")
	ch := rawChannel(t)
	// The plain client binds its own queue to the topic's exchange.
	require.NoError(t, ch.ExchangeDeclare(topic, "topic", true, false, false, false, nil))
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	require.NoError(t, err)
	require.NoError(t, ch.QueueBind(q.Name, "#", topic, false, nil))
	ds, err := ch.Consume(q.Name, "", false, false, false, false, nil)
	require.NoError(t, err)

	body := []byte("{\"id\":1}\x00raw")
	m := &mq.Message{ID: "u-1", Key: "customer-7", Tag: "order.paid", Body: body,
		Headers: map[string]string{"content-type": "application/json", "trace": "abc"}}
	publish(t, c, topic, m)
	select {
	case d := <-ds:
		require.Equal(t, body, d.Body)
		require.Equal(t, "u-1", d.MessageId)
		require.Equal(t, "order.paid", d.RoutingKey)
		require.Equal(t, "application/json", d.ContentType)
		require.Equal(t, uint8(amqp.Persistent), d.DeliveryMode)
		require.Equal(t, amqp.Table{"trace": "abc", "unimq-key": "customer-7"}, d.Headers)
		require.WithinDuration(t, time.Now(), d.Timestamp, time.Minute)
		require.NoError(t, d.Ack(false))
	case <-time.After(wait):
		t.Fatal("the plain consumer got nothing")
	}
}

// A plain client's message to a simple-mode queue: the default exchange,
// routing key = queue name; unimq sees no tag.
func TestInteropSimpleQueue(t *testing.T) {
	c := open(t, "mode=simple")
	topic := unique("interop-simple")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("unimq", nil))
	ch := rawChannel(t)
	require.NoError(t, ch.PublishWithContext(context.Background(), "", topic, false, false, amqp.Publishing{MessageId: "p-1", Body: []byte("hi")}))
	col.WaitDone(t, wait, "p-1")
	got := col.Of("p-1")[0].Msg
	require.Equal(t, "", got.Tag)
	require.Equal(t, []byte("hi"), got.Body)
}
