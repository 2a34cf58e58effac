package rabbitmq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// An async callback may publish and wait: callbacks never run on the
// goroutine that delivers the confirms they would wait for.
func TestAsyncCallbackMayPublish(t *testing.T) {
	c := open(t, "channels=1")
	topic := unique("cb")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	done := make(chan error, 1)
	require.NoError(t, c.PublishAsync(ctxT(t), topic, msg("first", "a", "1"), func(_ *mq.Message, err error) {
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = c.Publish(ctx, topic, msg("second", "a", "2"))
		}
		done <- err
	}))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("callback deadlocked")
	}
	col.WaitDone(t, wait, "first", "second")
}

// A broadcast subscriber's retry comes back to its own exclusive queue.
func TestBroadcastRetry(t *testing.T) {
	c := open(t, "")
	topic := unique("bretry")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("b", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt == 1 {
			return errors.New("once")
		}
		return nil
	}), mq.Broadcast(), mq.WithBackoff(mq.ConstantBackoff(50*time.Millisecond)))
	publish(t, c, topic, msg("m", "x", "1"))
	col.WaitDone(t, wait, "m")
	require.Equal(t, []int{1, 2}, col.Attempts("m"))
}

// Dead letters go to the group's durable "<queue>.dlq" by default, with the
// reason in the headers, readable by any AMQP client.
func TestDeadLetterQueue(t *testing.T) {
	c := open(t, "")
	topic := unique("dlq")
	subscribe(t, c, topic, func(ctx context.Context, m *mq.Message) error {
		return mq.NoRetry(errors.New("poison"))
	}, mq.Group("g"))
	ch := rawChannel(t)
	dlq(t, ch, topic+".g.dlq")
	publish(t, c, topic, &mq.Message{ID: "p", Tag: "t", Key: "k", Body: []byte("bad"), Headers: map[string]string{"h": "v"}})
	var d amqp.Delivery
	require.Eventually(t, func() bool {
		var ok bool
		var err error
		d, ok, err = ch.Get(topic+".g.dlq", true)
		return err == nil && ok
	}, wait, 50*time.Millisecond)
	require.Equal(t, "p", d.MessageId)
	require.Equal(t, []byte("bad"), d.Body)
	require.Equal(t, "poison", d.Headers["unimq-dead-reason"])
	require.Equal(t, topic, d.Headers["unimq-dead-topic"])
	require.Equal(t, "g", d.Headers["unimq-dead-group"])
	require.Equal(t, "1", d.Headers["unimq-dead-attempts"])
	require.Equal(t, "v", d.Headers["h"])
	require.Equal(t, "k", d.Headers["unimq-key"])
	require.Equal(t, "t", d.Headers["unimq-tag"])
}

// DeadLetterTopic publishes to that topic like Publish; when nobody
// subscribed to it yet the dead letter falls back to the DLQ instead of
// being lost.
func TestDeadLetterTopic(t *testing.T) {
	c := open(t, "")
	topic, dead := unique("dlt"), unique("dlt-dead")
	fail := func(ctx context.Context, m *mq.Message) error { return mq.NoRetry(errors.New("poison")) }
	subscribe(t, c, topic, fail, mq.Group("g"), mq.DeadLetterTopic(dead))

	ch := rawChannel(t)
	dlq(t, ch, topic+".g.dlq")
	publish(t, c, topic, msg("early", "t", "1"))
	require.Eventually(t, func() bool {
		d, ok, err := ch.Get(topic+".g.dlq", true)
		return err == nil && ok && d.MessageId == "early"
	}, wait, 50*time.Millisecond, "fallback to the DLQ while the dead-letter topic routes nowhere")

	col := mqtest.NewCollector()
	subscribe(t, c, dead, col.Handler("dead", nil), mq.Group("ops"))
	publish(t, c, topic, msg("late", "t", "2"))
	col.WaitDone(t, wait, "late")
	got := col.Of("late")[0].Msg
	require.Equal(t, "poison", got.Header("unimq-dead-reason"))
	require.Equal(t, "t", got.Tag)
}

// Simple mode: delays dead-letter back into the topic's queue.
func TestSimpleModeDelay(t *testing.T) {
	c := open(t, "mode=simple")
	topic := unique("sdelay")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil))
	start := time.Now()
	publish(t, c, topic, &mq.Message{ID: "d", Tag: "x", Body: []byte("1"), Delay: 300 * time.Millisecond})
	col.WaitDone(t, wait, "d")
	require.GreaterOrEqual(t, col.Of("d")[0].Start.Sub(start), 300*time.Millisecond)
	require.Equal(t, "x", col.Of("d")[0].Msg.Tag)
}

// dlq declares the dead-letter queue as the adapter does (durable, no
// arguments), so that basic.get never meets a missing queue (which would
// close the channel).
func dlq(t *testing.T, ch *amqp.Channel, name string) {
	t.Helper()
	_, err := ch.QueueDeclare(name, true, false, false, false, nil)
	require.NoError(t, err)
}

// An exchange deleted behind the client's back: the publish fails with
// ErrNotFound, and the next one declares it again instead of failing forever.
func TestExchangeDeletedBehindOurBack(t *testing.T) {
	c := open(t, "")
	topic := unique("deleted")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	publish(t, c, topic, msg("before", "a", "1"))
	ch := rawChannel(t)
	require.NoError(t, ch.ExchangeDelete(topic, false, false))
	err := c.Publish(ctxT(t), topic, msg("lost", "a", "2"))
	require.ErrorIs(t, err, mq.ErrNotFound)
	err = c.Publish(ctxT(t), topic, msg("again", "a", "3"))
	require.ErrorIs(t, err, mq.ErrUnroutable, "declared again; the deletion took the bindings with it")
	col.WaitDone(t, wait, "before")
}

// The group's queue deleted behind the subscriber's back: the broker
// cancels the consumer, the subscription declares queue and bindings again
// and consumes by itself.
func TestQueueDeletedBehindOurBack(t *testing.T) {
	c := open(t, "")
	topic := unique("qdel")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	ch := rawChannel(t)
	_, err := ch.QueueDelete(topic+".g", false, false, false)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return c.Publish(ctxT(t), topic, msg("after", "a", "1")) == nil
	}, wait, 100*time.Millisecond, "the queue is declared and bound again")
	col.WaitDone(t, wait, "after")
}
