package rabbitmq_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rabbitmq"
)

// A fresh environment's first deploy: the topic's groups are declared, the
// publisher starts before any worker, and the worker of each group started
// later gets what was published before it.
func TestDeclareThenPublishBeforeSubscribers(t *testing.T) {
	for _, mode := range []rabbitmq.Mode{rabbitmq.Topic, rabbitmq.Fanout, rabbitmq.Direct, rabbitmq.Worker} {
		t.Run(mode.String(), func(t *testing.T) {
			c := open(t, "", rabbitmq.WithMode(mode))
			topic := unique("declare")
			require.NoError(t, c.Declare(ctxT(t), topic, "billing", "audit"))
			require.NoError(t, c.Declare(ctxT(t), topic, "billing"), "Declare is idempotent")
			publish(t, c, topic, msg("early", "", "x"))
			billing, audit := mqtest.NewCollector(), mqtest.NewCollector()
			subscribe(t, c, topic, billing.Handler("billing", nil), mq.Group("billing"))
			exactlyOnce(t, billing, "early")
			if mode.String() == "worker" {
				return // one queue: the groups make no difference
			}
			subscribe(t, c, topic, audit.Handler("audit", nil), mq.Group("audit"))
			exactlyOnce(t, audit, "early")
		})
	}
}

// A delayed message to a topic no queue is bound for would be dead-lettered
// into nothing when its delay ends: the publish fails instead; once the
// group is declared the same publish is kept and delivered.
func TestDelayedPublishWithoutQueueFails(t *testing.T) {
	c := open(t, "")
	topic := unique("delay-noq")
	err := c.Publish(ctxT(t), topic, &mq.Message{ID: "d", Tag: "t", Body: []byte("x"), Delay: 100 * time.Millisecond})
	require.ErrorIs(t, err, mq.ErrUnroutable)
	// PublishAsync refuses it before accepting it (the callback is not called).
	err = c.PublishAsync(ctxT(t), topic, &mq.Message{ID: "d2", Tag: "t", Body: []byte("x"), Delay: 100 * time.Millisecond},
		func(_ *mq.Message, err error) { t.Errorf("callback called with %v", err) })
	require.ErrorIs(t, err, mq.ErrUnroutable)

	require.NoError(t, c.Declare(ctxT(t), topic, "g"))
	publish(t, c, topic, &mq.Message{ID: "kept", Tag: "t", Body: []byte("x"), Delay: 100 * time.Millisecond})
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("g", nil), mq.Group("g"))
	exactlyOnce(t, col, "kept")
	require.Empty(t, col.Of("d"))
}
