package rabbitmq_test

// The five patterns of the RabbitMQ tutorials, through the portable API.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

const (
	wait  = 15 * time.Second
	quiet = 300 * time.Millisecond
)

// exactlyOnce waits until every id was handled, then for a quiet window in
// which no duplicate or stranger may arrive.
func exactlyOnce(t *testing.T, col *mqtest.Collector, want ...string) {
	t.Helper()
	col.WaitDone(t, wait, want...)
	col.ExpectExactlyOnce(t, quiet, want...)
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// Simple: one producer, one consumer, one named durable queue. The queue
// exists once the producer published, so messages sent before the consumer
// started are kept for it, and they arrive in order. Manual acks: nothing is
// removed from the queue before the handler succeeded.
func TestPatternSimple(t *testing.T) {
	c := open(t, "mode=simple")
	topic := unique("simple")
	want := ids("hello", 5)
	for _, id := range want {
		publish(t, c, topic, msg(id, "", id))
	}
	col := mqtest.NewCollector()
	failed := false
	subscribe(t, c, topic, col.Handler("consumer", func(ctx context.Context, m *mq.Message) error {
		if m.ID == "hello-2" && !failed {
			failed = true
			return fmt.Errorf("first attempt fails: must be redelivered, not lost")
		}
		return nil
	}), mq.Concurrency(1), mq.WithBackoff(mq.ConstantBackoff(10*time.Millisecond)))
	col.WaitDone(t, wait, want...)
	var order []string
	for _, d := range col.Deliveries() {
		if d.Msg.Attempt == 1 {
			order = append(order, d.Msg.ID)
		}
	}
	require.Equal(t, want, order, "first deliveries in publish order")
	require.Equal(t, []int{1, 2}, col.Attempts("hello-2"))
}

// Worker: competing consumers on one queue, prefetch 1 each (Concurrency
// 1): each message goes to one worker, and a slow worker gets fewer
// messages (fair dispatch) instead of half of them (round robin).
func TestPatternWorker(t *testing.T) {
	c := open(t, "mode=worker")
	topic := unique("worker")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("fast", nil), mq.Concurrency(1))
	subscribe(t, c, topic, col.Handler("slow", func(ctx context.Context, m *mq.Message) error {
		time.Sleep(100 * time.Millisecond) // a slow worker
		return nil
	}), mq.Concurrency(1))
	want := ids("task", 100)
	msgs := make([]*mq.Message, len(want))
	for i, id := range want {
		msgs[i] = msg(id, "", id)
	}
	require.NoError(t, c.PublishBatch(ctxT(t), topic, msgs))
	exactlyOnce(t, col, want...)
	per := map[string]int{}
	for _, d := range col.Deliveries() {
		per[d.Label]++
	}
	t.Logf("fast worker: %d, slow worker: %d", per["fast"], per["slow"])
	require.Positive(t, per["slow"], "both workers take part")
	require.Less(t, per["slow"], 40, "fair dispatch: the slow worker gets far fewer than half")
}

// Publish/subscribe (fanout): every group's queue gets every message, and a
// broadcast subscriber gets them too.
func TestPatternFanout(t *testing.T) {
	c := open(t, "mode=fanout")
	topic := unique("fanout")
	mail, chat, ad := mqtest.NewCollector(), mqtest.NewCollector(), mqtest.NewCollector()
	subscribe(t, c, topic, mail.Handler("mail", nil), mq.Group("mail"))
	subscribe(t, c, topic, chat.Handler("chat", nil), mq.Group("chat"))
	subscribe(t, c, topic, ad.Handler("ad", nil), mq.Broadcast())
	want := ids("product", 21)
	for _, id := range want {
		publish(t, c, topic, msg(id, "", id))
	}
	for _, col := range []*mqtest.Collector{mail, chat, ad} {
		exactlyOnce(t, col, want...)
	}
}

// Routing (direct): a queue gets exactly the routing keys (tags) it is bound
// to; a tag nobody bound is reported as unroutable, not lost silently.
func TestPatternDirect(t *testing.T) {
	c := open(t, "mode=direct")
	topic := unique("direct")
	one, two := mqtest.NewCollector(), mqtest.NewCollector()
	subscribe(t, c, topic, one.Handler("one", nil), mq.Group("one"), mq.TagFilter("imooc_one"))
	subscribe(t, c, topic, two.Handler("two", nil), mq.Group("two"), mq.TagFilter("imooc_two"))
	wantOne, wantTwo := ids("one", 11), ids("two", 11)
	for i := range wantOne {
		publish(t, c, topic, msg(wantOne[i], "imooc_one", "hello imooc one!"), msg(wantTwo[i], "imooc_two", "hello imooc two!"))
	}
	exactlyOnce(t, one, wantOne...)
	exactlyOnce(t, two, wantTwo...)
	for _, d := range one.Deliveries() {
		require.Equal(t, "imooc_one", d.Msg.Tag)
	}
	err := c.Publish(ctxT(t), topic, msg("nobody", "imooc_three", "x"))
	require.ErrorIs(t, err, mq.ErrUnroutable)

	_, err = c.Subscribe(ctxT(t), topic, one.Handler("bad", nil), mq.TagPattern("imooc.*"))
	require.ErrorIs(t, err, mq.ErrUnsupported, "direct exchanges match exactly")
}

// Topic: "*" is exactly one word, "#" zero or more, matched by the broker.
func TestPatternTopic(t *testing.T) {
	c := open(t, "") // topic is the default mode
	topic := unique("topic")
	all, only88, four, oneWord := mqtest.NewCollector(), mqtest.NewCollector(), mqtest.NewCollector(), mqtest.NewCollector()
	subscribe(t, c, topic, all.Handler("all", nil), mq.Group("all"), mq.TagPattern("#"))
	subscribe(t, c, topic, only88.Handler("88", nil), mq.Group("g88"), mq.TagPattern("imooc.topic88.three"))
	subscribe(t, c, topic, four.Handler("four", nil), mq.Group("four"), mq.TagPattern("imooc.*.four"))
	subscribe(t, c, topic, oneWord.Handler("one-word", nil), mq.Group("oneword"), mq.TagPattern("imooc.*"))
	three, fours := ids("three", 11), ids("four", 11)
	for i := range three {
		publish(t, c, topic, msg(three[i], "imooc.topic88.three", "hello imooc topic three!"), msg(fours[i], "imooc.topic99.four", "hello imooc topic four!"))
	}
	exactlyOnce(t, all, append(append([]string{}, three...), fours...)...)
	exactlyOnce(t, only88, three...)
	exactlyOnce(t, four, fours...)
	require.Zero(t, oneWord.Len(), "imooc.* matches one word after imooc, not two")
}
