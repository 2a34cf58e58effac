package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// Two members of a group on a topic of 4 partitions share its records
// fairly with the default (sticky) assignment: each owns 2 partitions,
// about half the records (at least 35 %: one partition of 4 is a quarter). The group's retry topic is read by members of their own, so it
// does not count in the main topic's balance (before, one member of two got
// 29 of 951 records).
func TestGroupSpreadsPartitionsOverMembers(t *testing.T) {
	// partitions=4 also gives the retry topic 4 partitions.
	u := withParam(brokertest.KafkaURL(t), "partitions=4")
	c := openURL(t, u, false)
	topic := mqtest.UniqueName("kafka-balance")
	g := mqtest.UniqueName("balance")
	col := mqtest.NewCollector()
	subscribe(t, openURL(t, u, false), topic, col.Handler("a", nil), mq.Group(g))
	subscribe(t, openURL(t, u, false), topic, col.Handler("b", nil), mq.Group(g))
	const n = 400
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("bal-%d", i)
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: want[i], Key: want[i], Body: []byte("x")}))
	}
	col.WaitDone(t, wait, want...)
	per := map[string]int{}
	for _, d := range col.Deliveries() {
		per[d.Label]++
	}
	t.Logf("records per member: %v", per)
	for _, m := range []string{"a", "b"} {
		require.GreaterOrEqual(t, per[m], n*35/100, "member %s got %d of %d records", m, per[m], n)
	}
}
