package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// Declare creates the topic (with the URL's partitions) and makes each
// group start at Declare's time: what is published after it, before any
// subscriber exists, reaches each group's first subscriber (starting from
// the newest, the default). Declaring again keeps a group's position.
func TestDeclareCreatesTopicAndStartsGroups(t *testing.T) {
	c := openURL(t, withParam(brokertest.KafkaURL(t), "partitions=3"), false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	topic := mqtest.UniqueName("kafka-declare")
	g1, g2 := mqtest.UniqueName("decl"), mqtest.UniqueName("decl")
	require.NoError(t, c.Declare(ctx, topic, g1, g2))
	ps, err := kafka.Partitions(ctx, c, topic)
	require.NoError(t, err)
	require.Len(t, ps, 3)
	require.NoError(t, c.Declare(ctx, topic, g1, g2), "Declare is idempotent")

	want := make([]string, 12)
	for i := range want {
		want[i] = fmt.Sprintf("early-%d", i)
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: want[i], Key: want[i], Body: []byte("x")}))
	}
	col1, col2 := mqtest.NewCollector(), mqtest.NewCollector()
	s1 := subscribe(t, open(t), topic, col1.Handler("g1", nil), mq.Group(g1))
	subscribe(t, open(t), topic, col2.Handler("g2", nil), mq.Group(g2))
	col1.WaitDone(t, wait, want...)
	col2.WaitDone(t, wait, want...)

	// g1's committed position survives a second Declare: nothing is read
	// again by its next subscriber.
	require.NoError(t, s1.Close(ctx))
	require.NoError(t, c.Declare(ctx, topic, g1))
	again := mqtest.NewCollector()
	subscribe(t, open(t), topic, again.Handler("g1-again", nil), mq.Group(g1))
	require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: "late", Key: "late", Body: []byte("x")}))
	again.WaitDone(t, wait, "late")
	again.ExpectExactlyOnce(t, time.Second, "late")
	require.Equal(t, 1, again.Len(), "a second Declare moved g1 back")

	require.ErrorIs(t, c.Declare(ctx, "bad/topic", g1), mq.ErrInvalidArgument)
}
