package rocketmq_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

// The RocketMQ scenarios (tags, send modes, delay, transactions, order, broadcasting, pull, query) through the portable API.

const wait = 30 * time.Second

func openClient(t *testing.T, opts ...mq.Option) *mq.Client {
	t.Helper()
	url := brokerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, c.Close(ctx))
	})
	return c
}

// subscribe: see brokertest.Subscribe.
var subscribe = brokertest.Subscribe

func msg(id, tag, key string) *mq.Message {
	return &mq.Message{ID: id, Tag: tag, Key: key, Body: []byte("body-" + id)}
}

// RocketMQ tag filtering: tags with a selector expression ("TagA || TagC").
func TestTagFiltering(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("scn-tags")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-tags")), mq.TagFilter("TagA || TagC"))
	for _, tag := range []string{"TagA", "TagB", "TagC"} {
		require.NoError(t, c.Publish(t.Context(), topic, msg("m-"+tag, tag, "")))
	}
	col.WaitDone(t, wait, "m-TagA", "m-TagC")
	col.ExpectExactlyOnce(t, time.Second, "m-TagA", "m-TagC")
	require.Empty(t, col.Of("m-TagB"), "TagB was delivered")
}

// RocketMQ send modes: sync (send status), async (callback), one-way and batch sends.
func TestSendModes(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("scn-modes")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-modes")))

	m := msg("sync", "TagA", "order-1")
	require.NoError(t, c.Publish(t.Context(), topic, m))
	require.NotEmpty(t, m.BrokerID, "the broker's msgId")
	require.GreaterOrEqual(t, m.Partition, int32(0))

	done := make(chan error, 1)
	require.NoError(t, c.PublishAsync(t.Context(), topic, msg("async", "TagA", ""), func(m *mq.Message, err error) {
		if err == nil && m.BrokerID == "" {
			err = fmt.Errorf("no BrokerID in the async result")
		}
		done <- err
	}))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("async callback not called")
	}
	require.NoError(t, c.PublishOneWay(t.Context(), topic, msg("oneway", "TagA", "")))
	batch := []*mq.Message{msg("b1", "TagB", ""), msg("b2", "TagB", ""), msg("b3", "TagB", "")}
	require.NoError(t, c.PublishBatch(t.Context(), topic, batch))
	for _, b := range batch {
		require.NotEmpty(t, b.BrokerID)
	}
	// Over the broker's 4 MiB batch limit: sent one by one.
	big := []*mq.Message{msg("big1", "", ""), msg("big2", "", ""), msg("big3", "", "")}
	for _, m := range big {
		m.Body = make([]byte, 1500<<10)
	}
	require.NoError(t, c.PublishBatch(t.Context(), topic, big))
	col.WaitDone(t, wait, "sync", "async", "oneway", "b1", "b2", "b3", "big1", "big2", "big3")
	got := col.Of("sync")[0].Msg
	require.Equal(t, m.BrokerID, got.BrokerID)
	require.Equal(t, "order-1", got.Key)
	require.Equal(t, "TagA", got.Tag)
}

// RocketMQ delayed messages: delay level 2 (5 s); the portable Delay through the 5.x timer.
func TestDelayLevels(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("scn-delay")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-delay")))
	start := time.Now()
	require.NoError(t, c.Publish(t.Context(), topic, msg("level2", "", ""), rocketmq.WithDelayLevel(2)))
	timer := msg("timer3s", "", "")
	timer.Delay = 3 * time.Second
	require.NoError(t, c.Publish(t.Context(), topic, timer))
	col.WaitDone(t, wait, "level2", "timer3s")
	l2 := col.Of("level2")[0].Start.Sub(start)
	t3 := col.Of("timer3s")[0].Start.Sub(start)
	t.Logf("delay level 2 arrived after %v, Delay 3s after %v", l2, t3)
	require.GreaterOrEqual(t, l2, 4500*time.Millisecond)
	require.Less(t, l2, 15*time.Second)
	require.GreaterOrEqual(t, t3, 2500*time.Millisecond)
	require.Less(t, t3, 13*time.Second)

	err := c.Publish(t.Context(), topic, msg("bad", "", ""), rocketmq.WithDelayLevel(19))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}

// RocketMQ transactions: commit, rollback, and unknown resolved by the
// broker's check-back (the checker answers from the message's header).
func TestTransactions(t *testing.T) {
	t.Parallel()
	var checks atomic.Int32
	c := openClient(t, mq.WithTxChecker(func(ctx context.Context, m *mq.Message) mq.TxState {
		checks.Add(1)
		switch m.Header("order-state") {
		case "paid":
			return mq.TxCommit
		case "cancelled":
			return mq.TxRollback
		}
		return mq.TxUnknown
	}))
	topic := mqtest.UniqueName("scn-tx")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-tx")))
	txm := func(id, state string) []*mq.Message {
		m := msg(id, "", "")
		m.SetHeader("order-state", state)
		return []*mq.Message{m}
	}
	require.NoError(t, c.PublishTx(t.Context(), topic, txm("commit", "paid"), func(context.Context) error { return nil }))
	errLocal := fmt.Errorf("stock exhausted")
	err := c.PublishTx(t.Context(), topic, txm("rollback", "x"), func(context.Context) error { return errLocal })
	require.ErrorIs(t, err, mq.ErrTxRolledBack)
	err = c.PublishTx(t.Context(), topic, txm("unknown-commit", "paid"), func(context.Context) error { return mq.ErrTxUnknown })
	require.ErrorIs(t, err, mq.ErrTxUnknown)
	err = c.PublishTx(t.Context(), topic, txm("unknown-rollback", "cancelled"), func(context.Context) error { return mq.ErrTxUnknown })
	require.ErrorIs(t, err, mq.ErrTxUnknown)
	col.WaitDone(t, wait, "commit")
	col.WaitDone(t, 60*time.Second, "unknown-commit")
	require.Eventually(t, func() bool { return checks.Load() >= 2 }, 60*time.Second, 100*time.Millisecond, "both unknown transactions checked back")
	col.Never(t, 2*time.Second, "a rolled-back message was delivered", func(ds []mqtest.Delivery) bool {
		for _, d := range ds {
			if d.Msg.ID == "rollback" || d.Msg.ID == "unknown-rollback" {
				return true
			}
		}
		return false
	})
}

// RocketMQ orderly consumption: per-key order with an orderly subscriber.
func TestOrderlyPerKey(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("scn-order")
	var mu sync.Mutex
	seen := map[string][]int{}
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", func(_ context.Context, m *mq.Message) error {
		var n int
		fmt.Sscanf(m.Header("seq"), "%d", &n)
		mu.Lock()
		seen[m.Key] = append(seen[m.Key], n)
		mu.Unlock()
		return nil
	}), mq.Group(mqtest.UniqueName("g-order")), mq.Ordered(), mq.Concurrency(4))
	keys := []string{"order-1", "order-2", "order-3"}
	const per = 15
	var wg sync.WaitGroup
	var ids []string
	for _, k := range keys {
		for i := 0; i < per; i++ {
			ids = append(ids, fmt.Sprintf("%s-%d", k, i))
		}
		wg.Add(1)
		go func(k string) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				m := msg(fmt.Sprintf("%s-%d", k, i), "", k)
				m.SetHeader("seq", fmt.Sprint(i))
				if err := c.Publish(context.Background(), topic, m); err != nil {
					t.Error(err)
					return
				}
			}
		}(k)
	}
	wg.Wait()
	col.WaitDone(t, wait, ids...)
	mu.Lock()
	defer mu.Unlock()
	for _, k := range keys {
		for i, n := range seen[k] {
			require.Equal(t, i, n, "key %s out of order: %v", k, seen[k])
		}
	}
}

// RocketMQ broadcasting: every instance gets every message.
func TestBroadcasting(t *testing.T) {
	t.Parallel()
	topic := mqtest.UniqueName("scn-bcast")
	cols := []*mqtest.Collector{mqtest.NewCollector(), mqtest.NewCollector()}
	var pub *mq.Client
	for i, col := range cols {
		c := openClient(t)
		pub = c
		subscribe(t, c, topic, col.Handler(fmt.Sprint(i), nil), mq.Broadcast(), mq.Group("g-bcast"))
	}
	for i := 0; i < 5; i++ {
		require.NoError(t, pub.Publish(t.Context(), topic, msg(fmt.Sprint("b", i), "", "")))
	}
	for _, col := range cols {
		col.WaitDone(t, wait, "b0", "b1", "b2", "b3", "b4")
	}
}

// RocketMQ long-polling pull: a batch of up to 16 with a wait, ack by receipt;
// what is not acked in time is delivered again.
func TestPullLongPolling(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("scn-pull")
	k, err := c.NewConsumer(t.Context(), topic, mq.Group(mqtest.UniqueName("g-pull")), mq.AckTimeout(3*time.Second), mq.Prefetch(32))
	require.NoError(t, err)
	t.Cleanup(func() { _ = k.Close(context.Background()) })
	// Nothing there: Receive returns after the wait with no messages.
	start := time.Now()
	got, err := k.Receive(t.Context(), 16, time.Second)
	require.NoError(t, err)
	require.Empty(t, got)
	require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)

	for i := 0; i < 20; i++ {
		require.NoError(t, c.Publish(t.Context(), topic, msg(fmt.Sprint("p", i), "", "")))
	}
	var all []*mq.Message
	var skipped *mq.Message
	deadline := time.Now().Add(wait)
	for len(all) < 20 && time.Now().Before(deadline) {
		batch, err := k.Receive(t.Context(), 16, 2*time.Second)
		require.NoError(t, err)
		require.LessOrEqual(t, len(batch), 16)
		for _, m := range batch {
			all = append(all, m)
			if skipped == nil {
				skipped = m // never acked: redelivered after AckTimeout
				continue
			}
			require.NoError(t, m.Ack(t.Context()))
		}
	}
	require.Len(t, all, 20)
	deadline = time.Now().Add(wait)
	for time.Now().Before(deadline) {
		batch, err := k.Receive(t.Context(), 16, 2*time.Second)
		require.NoError(t, err)
		for _, m := range batch {
			require.NoError(t, m.Ack(t.Context()))
			if m.ID == skipped.ID {
				require.Equal(t, 2, m.Attempt)
				return
			}
			t.Errorf("unexpected redelivery of %s", m.ID)
		}
	}
	t.Fatalf("%s was not redelivered after its ack timeout", skipped.ID)
}

// As: the client's own types; admin functions take the client, and
// refuse another backend's.
func TestAs(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	var p rmq.Producer
	require.True(t, c.As(&p))
	topic := mqtest.UniqueName("as")
	require.NoError(t, rocketmq.CreateTopic(t.Context(), c, topic, 2))
	other, err := mq.Open(t.Context(), "memory://rocketmq-as")
	require.NoError(t, err)
	defer other.Close(context.Background())
	require.ErrorIs(t, rocketmq.CreateTopic(t.Context(), other, topic, 2), mq.ErrUnsupported)
	var s *mq.Subscriber
	s, err = c.Subscribe(t.Context(), topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(mqtest.UniqueName("g-as")))
	require.NoError(t, err)
	defer s.Close(context.Background())
	require.True(t, strings.HasPrefix(c.String(), "rocketmq://"))
}

// A namespace prefixes topics and groups at the broker; the application
// sees its own names.
func TestNamespace(t *testing.T) {
	t.Parallel()
	url := brokerURL(t)
	c, err := mq.Open(t.Context(), withParams(url, "namespace=unimqns"))
	require.NoError(t, err)
	defer c.Close(context.Background())
	topic := mqtest.UniqueName("ns")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-ns")))
	require.NoError(t, c.Publish(t.Context(), topic, msg("n1", "TagA", "k")))
	col.WaitDone(t, wait, "n1")
	require.Equal(t, topic, col.Of("n1")[0].Msg.Topic)
	col.ExpectExactlyOnce(t, time.Second, "n1")
}

// Query by message id and by business key.
func TestQuery(t *testing.T) {
	t.Parallel()
	c := openClient(t)
	topic := mqtest.UniqueName("query")
	from := time.Now().Add(-time.Minute)
	m := msg("q1", "TagA", "order-4711")
	m.SetHeader("h", "v")
	require.NoError(t, c.Publish(t.Context(), topic, m))
	require.NoError(t, c.Publish(t.Context(), topic, msg("q2", "TagA", "order-other")))
	var byKey, byID []*mq.Message
	require.Eventually(t, func() bool { // the broker indexes asynchronously
		var err error
		byKey, err = rocketmq.QueryByKey(t.Context(), c, topic, "order-4711", 10, from, time.Now().Add(time.Minute))
		require.NoError(t, err)
		byID, err = rocketmq.QueryByID(t.Context(), c, topic, m.BrokerID, from, time.Now().Add(time.Minute))
		require.NoError(t, err)
		return len(byKey) > 0 && len(byID) > 0
	}, wait, 200*time.Millisecond)
	require.Len(t, byKey, 1)
	require.Equal(t, "q1", byKey[0].ID)
	require.Equal(t, "v", byKey[0].Header("h"))
	require.Equal(t, "body-q1", string(byKey[0].Body))
	require.Equal(t, m.BrokerID, byID[0].BrokerID)
	none, err := rocketmq.QueryByKey(t.Context(), c, topic, "no-such-key", 10, from, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, none)
}
