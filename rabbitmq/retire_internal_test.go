package rabbitmq

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq/driver"
)

// A publish the broker nacks retires its channel: the next publish on that pool slot goes out
// on a new channel (a quorum queue's stale per-channel state after a leader change keeps
// nacking an old channel, retire.go). The nack comes from a queue that refuses what exceeds
// its length (x-overflow reject-publish).
func TestNackedChannelIsReplaced(t *testing.T) {
	raw := brokertest.AMQPURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	dc, err := open(ctx, u, &driver.OpenConfig{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	c := dc.(*conn)
	defer func() { _ = c.Close(context.Background()) }()

	topic := "retire-" + time.Now().Format("150405.000000")
	send := func(id string) error {
		return c.Send(ctx, topic, []*driver.Message{{ID: id, Body: []byte(id), Partition: -1}}, driver.SendOptions{})
	}
	// the first publish declares the exchange (nothing bound yet: unroutable)
	require.Equal(t, driver.CodeUnroutable, driver.CodeOf(send("declare")))

	ac, err := amqp.Dial(brokertest.AMQPURI(t))
	require.NoError(t, err)
	defer func() { _ = ac.Close() }()
	ch, err := ac.Channel()
	require.NoError(t, err)
	q := topic + ".full"
	_, err = ch.QueueDeclare(q, false, true, false, false, amqp.Table{"x-max-length": int64(1), "x-overflow": "reject-publish"})
	require.NoError(t, err)
	require.NoError(t, ch.QueueBind(q, "#", topic, false, nil))

	require.NoError(t, send("first"))
	old := c.confirms.slots[0].pc
	require.NotNil(t, old)
	require.Equal(t, driver.CodeRejected, driver.CodeOf(send("refused")), "the queue is full")
	require.Same(t, old, c.confirms.slots[0].pc, "a nack alone does not close the channel")

	_, err = ch.QueuePurge(q, false)
	require.NoError(t, err)
	require.NoError(t, send("after"))
	require.NotSame(t, old, c.confirms.slots[0].pc, "the publish after a nack went out on the nacked channel")
	require.True(t, old.ch.IsClosed(), "the nacked channel was not closed")
}
