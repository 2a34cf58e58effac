package rabbitmq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rabbitmq"
)

// getOne waits for a message in queue (basic.get), up to d.
func getOne(t *testing.T, ch *amqp.Channel, queue string, d time.Duration) amqp.Delivery {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		m, ok, err := ch.Get(queue, true)
		require.NoError(t, err)
		if ok {
			return m
		}
		require.True(t, time.Now().Before(deadline), "nothing in %s after %v", queue, d)
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for a result
	}
}

// queueExists reports whether queue exists (passive declare on a channel
// of its own: a failed one closes the channel).
func queueExists(t *testing.T, queue string) bool {
	t.Helper()
	_, err := rawChannel(t).QueueDeclarePassive(queue, true, false, false, false, nil)
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotFound {
		return false
	}
	require.NoError(t, err)
	return true
}

// Quorum queues: retries (with a delay, through a quorum retry queue),
// delayed publishes (through a quorum delay queue) and dead letters work as
// on classic queues, and the group's queue really is a quorum queue: a
// classic declaration of it is refused, naming the argument and both values.
func TestQuorumQueueRetryDelayDeadLetter(t *testing.T) {
	c := open(t, "queue_type=quorum")
	topic := unique("quorum")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", func(_ context.Context, m *mq.Message) error {
		switch {
		case m.ID == "poison":
			return errors.New("always fails")
		case m.ID == "retry" && m.Attempt == 1:
			return errors.New("fails once")
		}
		return nil
	}), mq.Group("g"), mq.MaxAttempts(2), mq.WithBackoff(mq.ConstantBackoff(200*time.Millisecond)))
	start := time.Now()
	publish(t, c, topic, msg("ok", "", "x"), msg("retry", "", "x"), msg("poison", "", "x"),
		&mq.Message{ID: "late", Body: []byte("x"), Delay: 300 * time.Millisecond})
	col.WaitDone(t, wait, "ok", "late")
	col.WaitFor(t, wait, "retry succeeds at attempt 2", func(ds []mqtest.Delivery) bool {
		for _, d := range ds {
			if d.Msg.ID == "retry" && d.Msg.Attempt == 2 && !d.End.IsZero() && d.Err == nil {
				return true
			}
		}
		return false
	})
	late := col.Of("late")
	require.GreaterOrEqual(t, late[0].Start.Sub(start), 300*time.Millisecond)

	ch := rawChannel(t)
	dead := getOne(t, ch, topic+".g.dlq", wait)
	require.Equal(t, "poison", dead.MessageId)
	require.Equal(t, "2", dead.Headers["unimq-dead-attempts"])
	require.True(t, queueExists(t, "unimq.retry."+topic+".g.200.quorum"), "the retry queue is a quorum one")
	require.True(t, queueExists(t, "unimq.delay."+topic+".300.quorum"), "the delay queue is a quorum one")

	classic := open(t, "")
	_, err := classic.Subscribe(ctxT(t), topic, col.Handler("classic", nil), mq.Group("g"))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "exists with argument x-") // the broker names one of those that differ
	require.Contains(t, err.Error(), "unimq declares none")

	// Only the type differs: the error names it.
	plain := open(t, "queue_type=quorum&delivery_limit=0")
	t2 := unique("quorum-type")
	subscribe(t, plain, t2, col.Handler("q", nil), mq.Group("g"))
	_, err = classic.Subscribe(ctxT(t), t2, col.Handler("classic", nil), mq.Group("g"))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "argument x-queue-type = the value 'quorum'")

	// WithQueueType on one subscription of a classic client.
	t3 := unique("quorum-call")
	subscribe(t, classic, t3, col.Handler("q3", nil), mq.Group("g"), rabbitmq.WithQueueType(rabbitmq.Quorum))
	publish(t, classic, t3, msg("per-call", "", "x"))
	col.WaitDone(t, wait, "per-call")
	_, err = classic.Subscribe(ctxT(t), t3, col.Handler("classic", nil), mq.Group("g"))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "exists with argument x-")
	_, err = classic.Subscribe(ctxT(t), t3, col.Handler("bad", nil), mq.Group("g2"), rabbitmq.WithQueueType(rabbitmq.QueueType(9)))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}

// A message whose consumer dies holding it more than delivery_limit times
// is dead-lettered by the broker to <queue>.dlq (at least once), with the
// broker's x-death headers.
func TestQuorumDeliveryLimit(t *testing.T) {
	c := open(t, "queue_type=quorum&delivery_limit=1")
	topic := unique("quorum-limit")
	require.NoError(t, c.Declare(ctxT(t), topic, "g"))
	publish(t, c, topic, msg("crash", "", "x"))

	conn, err := amqp.Dial(brokertest.AMQPURI(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	queue := topic + ".g"
	// A consumer that takes the message and dies without settling it
	// (its channel closes: the broker returns the message), twice.
	for i := 0; i < 2; i++ {
		ch, err := conn.Channel()
		require.NoError(t, err)
		ds, err := ch.Consume(queue, "", false, false, false, false, nil)
		require.NoError(t, err)
		select {
		case d := <-ds:
			require.Equal(t, "crash", d.MessageId)
		case <-time.After(wait):
			t.Fatalf("delivery %d never came", i+1)
		}
		require.NoError(t, ch.Close())
	}
	ch, err := conn.Channel()
	require.NoError(t, err)
	d := getOne(t, ch, queue+".dlq", wait)
	require.Equal(t, "crash", d.MessageId)
	require.Equal(t, "delivery_limit", d.Headers["x-first-death-reason"])

	// Declare made the queue with the arguments Subscribe declares.
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	publish(t, c, topic, msg("fine", "", "x"))
	col.WaitDone(t, wait, "fine")
}

// A queue another application declared with its own arguments: unimq's
// declaration conflicts (the error names the argument), WithExistingQueue
// consumes it as it is, retries included; a missing queue is ErrNotFound.
func TestExistingQueue(t *testing.T) {
	topic := unique("existing")
	queue := topic + ".billing"
	ch := rawChannel(t)
	require.NoError(t, ch.ExchangeDeclare(topic, "topic", true, false, false, false, nil))
	_, err := ch.QueueDeclare(queue, true, false, false, false, amqp.Table{"x-queue-type": "quorum", "x-max-length": int64(1000)})
	require.NoError(t, err)
	require.NoError(t, ch.QueueBind(queue, "#", topic, false, nil))
	t.Cleanup(func() {
		ch := rawChannel(t)
		_, _ = ch.QueueDelete(queue, false, false, false)
	})

	c := open(t, "")
	col := mqtest.NewCollector()
	_, err = c.Subscribe(ctxT(t), topic, col.Handler("declaring", nil), mq.Group("billing"))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "argument x-")
	require.Contains(t, err.Error(), "WithExistingQueue")

	subscribe(t, c, topic, col.Handler("existing", func(_ context.Context, m *mq.Message) error {
		if m.Attempt == 1 {
			return errors.New("fails once")
		}
		return nil
	}), mq.Group("billing"), rabbitmq.WithExistingQueue(), mq.WithBackoff(mq.ConstantBackoff(100*time.Millisecond)))
	publish(t, c, topic, msg("m1", "a.b", "x"))
	col.WaitFor(t, wait, "m1 at attempt 2", func(ds []mqtest.Delivery) bool {
		for _, d := range ds {
			if d.Msg.ID == "m1" && d.Msg.Attempt == 2 && !d.End.IsZero() && d.Err == nil {
				return true
			}
		}
		return false
	})

	_, err = c.Subscribe(ctxT(t), topic, col.Handler("missing", nil), mq.Group("nobody"), rabbitmq.WithExistingQueue())
	require.ErrorIs(t, err, mq.ErrNotFound)
	require.Contains(t, err.Error(), topic+".nobody")
	_, err = c.Subscribe(ctxT(t), topic, col.Handler("b", nil), mq.Broadcast(), rabbitmq.WithExistingQueue())
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	_, err = mq.Open(ctxT(t), "amqp://127.0.0.1:1/", rabbitmq.WithExistingQueue())
	require.ErrorIs(t, err, mq.ErrInvalidOption, "Subscribe and Consumer only")
}
