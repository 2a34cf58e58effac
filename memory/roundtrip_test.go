package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestRoundTripFields(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "orders", mq.Group("g"))
	require.NoError(t, err)
	before := time.Now()
	m := &mq.Message{ID: "id-1", Key: "k", Tag: "created", Headers: map[string]string{"h": "v"}, Body: []byte{0, 1, 2}}
	require.NoError(t, c.Publish(ctx, "orders", m))
	require.NotEmpty(t, m.BrokerID)
	require.GreaterOrEqual(t, m.Partition, int32(0))
	require.Equal(t, int64(0), m.Offset)

	got := recv(t, k, 1)[0]
	require.Equal(t, "id-1", got.ID)
	require.Equal(t, "k", got.Key)
	require.Equal(t, "created", got.Tag)
	require.Equal(t, "v", got.Header("h"))
	require.Equal(t, []byte{0, 1, 2}, got.Body)
	require.Equal(t, "orders", got.Topic)
	require.Equal(t, m.Partition, got.Partition)
	require.Equal(t, m.Offset, got.Offset)
	require.Equal(t, m.BrokerID, got.BrokerID)
	require.Equal(t, 1, got.Attempt)
	require.False(t, got.PublishTime.Before(before))
	require.NoError(t, got.Ack(ctx))
}
