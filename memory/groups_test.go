package memory_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func numbered(prefix string, n int) []*mq.Message {
	ms := make([]*mq.Message, n)
	for i := range ms {
		ms[i] = &mq.Message{ID: fmt.Sprintf("%s%d", prefix, i), Body: []byte(fmt.Sprintf("%s%d", prefix, i))}
	}
	return ms
}

func TestCompetingConsumersEachMessageOnce(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	var mu sync.Mutex
	seen := map[string]int{}
	per := map[string]int{}
	const n = 200
	done := make(chan struct{})
	total := 0
	for i := range 3 {
		name := fmt.Sprint("s", i)
		_, err := c.Subscribe(ctx, "work", func(ctx context.Context, m *mq.Message) error {
			mu.Lock()
			defer mu.Unlock()
			seen[m.ID]++
			per[name]++
			total++
			if total == n {
				close(done)
			}
			return nil
		}, mq.Group("workers"))
		require.NoError(t, err)
	}
	require.NoError(t, c.PublishBatch(ctx, "work", numbered("m", n)))
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("not all delivered")
	}
	b := brokerOf(t, c)
	require.Eventually(t, func() bool { return b.Backlog("work", "workers") == 0 }, 5*time.Second, 5*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, n)
	for id, k := range seen {
		require.Equal(t, 1, k, id)
	}
}

func TestEveryGroupGetsEveryMessage(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k1, err := c.NewConsumer(ctx, "t", mq.Group("g1"))
	require.NoError(t, err)
	k2, err := c.NewConsumer(ctx, "t", mq.Group("g2"))
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 10)...)
	for _, k := range []*mq.Consumer{k1, k2} {
		got := recv(t, k, 10)
		require.ElementsMatch(t, bodies(mq0(numbered("m", 10))), bodies(got))
		require.NoError(t, k.Ack(ctx, got...))
	}
	require.Equal(t, []string{"g1", "g2"}, brokerOf(t, c).Groups("t"))
}

func mq0(ms []*mq.Message) []*mq.Message { return ms }

func TestStartPositions(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=3"))
	ctx := ctxT(t)
	pub(t, c, "t", numbered("old", 5)...)
	mid := time.Now() // publish times are monotonic: the next ones are after mid
	pub(t, c, "t", numbered("mid", 3)...)

	newest, err := c.NewConsumer(ctx, "t", mq.Group("newest"))
	require.NoError(t, err)
	oldest, err := c.NewConsumer(ctx, "t", mq.Group("oldest"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	at, err := c.NewConsumer(ctx, "t", mq.Group("at"), mq.StartAt(mid))
	require.NoError(t, err)
	bc, err := c.NewConsumer(ctx, "t", mq.Broadcast(), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{Body: []byte("new")})

	require.Equal(t, []string{"new"}, bodies(recv(t, newest, 1)))
	quiet(t, newest, 50*quietUnit)
	require.Len(t, recv(t, oldest, 9), 9)
	got := bodies(recv(t, at, 4))
	sort.Strings(got)
	require.Equal(t, []string{"mid0", "mid1", "mid2", "new"}, got)
	quiet(t, at, 50*quietUnit)
	require.Len(t, recv(t, bc, 9), 9)
}

func TestGroupResumesWhereItLeftOff(t *testing.T) {
	name := fmt.Sprintf("resume-%d", time.Now().UnixNano())
	b, err := memory.NewBroker(name, memory.Config{})
	require.NoError(t, err)
	defer b.Close()
	ctx := ctxT(t)

	c1, err := mq.Open(ctx, "memory://"+name)
	require.NoError(t, err)
	k, err := c1.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c1, "t", numbered("a", 3)...)
	got := recv(t, k, 3)
	require.NoError(t, k.Ack(ctx, got...))
	require.NoError(t, c1.Close(ctx))

	// While nobody consumes, the group's position stays.
	c2 := open(t, "memory://"+name)
	pub(t, c2, "t", numbered("b", 2)...)
	require.Equal(t, 2, b.Backlog("t", "g"))
	k2, err := c2.NewConsumer(ctx, "t", mq.Group("g"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"b0", "b1"}, bodies(recv(t, k2, 2)))
	quiet(t, k2, 50*quietUnit)
}

func TestBroadcastEachSubscriberGetsAll(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k1, err := c.NewConsumer(ctx, "t", mq.Broadcast())
	require.NoError(t, err)
	k2, err := c.NewConsumer(ctx, "t", mq.Broadcast())
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 4)...)
	require.Len(t, recv(t, k1, 4), 4)
	require.Len(t, recv(t, k2, 4), 4)
	require.Empty(t, brokerOf(t, c).Groups("t"), "private groups are not listed")
	// Closing a broadcast subscriber deletes its group and its hold on retention.
	require.NoError(t, k1.Close(ctx))
	require.NoError(t, k2.Close(ctx))
}

func TestTagFilterServerSide(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1&maxbacklog=5&full=fail"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.TagFilter("a || b"))
	require.NoError(t, err)
	kp, err := c.NewConsumer(ctx, "t", mq.Group("p"), mq.TagPattern("order.*"))
	require.NoError(t, err)
	for _, tag := range []string{"a", "x", "b", "order.created", "c"} {
		pub(t, c, "t", &mq.Message{Tag: tag, Body: []byte(tag)})
	}
	got := recv(t, k, 2)
	require.Equal(t, []string{"a", "b"}, bodies(got))
	require.NoError(t, k.Ack(ctx, got...))
	gotp := recv(t, kp, 1)
	require.Equal(t, []string{"order.created"}, bodies(gotp))
	require.NoError(t, kp.Ack(ctx, gotp...))
	quiet(t, k, 30*quietUnit)
	quiet(t, kp, 30*quietUnit)
	// Skipped messages were settled: they hold no retention, so the full
	// partition takes more.
	b := brokerOf(t, c)
	require.Equal(t, 0, b.Backlog("t", "g"))
	require.Equal(t, 0, b.Backlog("t", "p"))
	pub(t, c, "t", &mq.Message{Tag: "z"})
}
