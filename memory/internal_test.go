package memory

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

func openConn(t *testing.T, raw string) *conn {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	c, err := open(context.Background(), u, &driver.OpenConfig{Logger: slog.Default()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c.(*conn)
}

func TestPartitionByKeyExplicitAndRoundRobin(t *testing.T) {
	c := openConn(t, "memory://internal-partition?partitions=4")
	ctx := context.Background()
	send := func(m *driver.Message) *driver.Message {
		require.NoError(t, c.Send(ctx, "t", []*driver.Message{m}, driver.SendOptions{}))
		return m
	}
	for _, key := range []string{"a", "foobar", "order-17"} {
		m := send(&driver.Message{Key: key, Partition: -1})
		require.Equal(t, int32(kit.FNV1a(key)%4), m.Partition, key)
		require.Equal(t, int32(kit.FNV1a(key)%4), send(&driver.Message{Key: key, Partition: -1}).Partition)
	}
	m := send(&driver.Message{Key: "a", Partition: 3})
	require.Equal(t, int32(3), m.Partition, "explicit partition wins over the key")
	require.Equal(t, "t/3@"+itoa(m.Offset), m.BrokerID)

	seen := map[int32]int{}
	for range 8 {
		seen[send(&driver.Message{Partition: -1}).Partition]++
	}
	require.Equal(t, map[int32]int{0: 2, 1: 2, 2: 2, 3: 2}, seen, "no key: round-robin")

	err := c.Send(ctx, "t", []*driver.Message{{Partition: 4}}, driver.SendOptions{})
	require.ErrorIs(t, err, driver.ErrInvalidArgument)
}

func itoa(n int64) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestWindow(t *testing.T) {
	w := window{base: 10, next: 10}
	w.read()
	w.read()
	w.read() // 10, 11, 12 read
	require.False(t, w.settle(11))
	require.Equal(t, int64(10), w.base)
	require.True(t, w.settle(10))
	require.Equal(t, int64(12), w.base)
	require.False(t, w.settle(9), "below base")
	require.False(t, w.settle(13), "not read")
	w.readSettled() // 13, filtered
	require.True(t, w.settle(12))
	require.Equal(t, int64(14), w.base)
	require.Equal(t, int64(14), w.next)
	w.readSettled()
	require.Equal(t, int64(15), w.base)

	// Long runs compact instead of growing.
	for i := range 10000 {
		w.read()
		require.True(t, w.settle(15+int64(i)))
	}
	require.LessOrEqual(t, cap(w.done), 2048)
}

func TestSchedulerOrderCancelStop(t *testing.T) {
	var s scheduler
	var mu sync.Mutex
	var order []int
	done := make(chan struct{})
	add := func(d time.Duration, n int) *task {
		return s.add(time.Now().Add(d), func() {
			mu.Lock()
			order = append(order, n)
			if len(order) == 3 {
				close(done)
			}
			mu.Unlock()
		})
	}
	add(time.Hour, 99)
	add(30*time.Millisecond, 3)
	canceled := add(5*time.Millisecond, 42)
	add(10*time.Millisecond, 1)
	add(10*time.Millisecond, 2) // same time: FIFO
	require.True(t, s.cancel(canceled))
	require.False(t, s.cancel(canceled))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("tasks did not run")
	}
	s.stop()
	require.Nil(t, s.add(time.Now(), func() {}), "stopped")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int{1, 2, 3}, order)
}

func TestReadyQueueCompacts(t *testing.T) {
	g := &group{}
	m := &driver.Message{}
	g.pushReady(m, 0)
	for range 10000 {
		g.pushReady(m, 0)
		_, ok := g.popReady()
		require.True(t, ok)
	}
	require.LessOrEqual(t, cap(g.ready), 4096)
}

// memory applies its profile's topic rule itself, whatever mq checks
// before: a caller of the driver cannot create a topic the broker it
// imitates would refuse.
func TestLikeTopicRuleInTheDriver(t *testing.T) {
	c := openConn(t, "memory://internal-like-rule?like=rocketmq")
	ctx := context.Background()
	for _, name := range []string{"orders.v1", "a b", ""} {
		err := c.Send(ctx, name, []*driver.Message{{Partition: -1}}, driver.SendOptions{})
		require.ErrorIs(t, err, driver.ErrInvalidArgument, "%q", name)
		_, err = c.Subscribe(ctx, &driver.SubscriptionConfig{Topic: name, Group: "g"})
		require.ErrorIs(t, err, driver.ErrInvalidArgument, "%q", name)
		require.ErrorIs(t, c.Declare(ctx, name, []string{"g"}), driver.ErrInvalidArgument, "%q", name)
	}
	require.Empty(t, c.b.Topics())
	require.NoError(t, c.Send(ctx, "orders_v1", []*driver.Message{{Partition: -1}}, driver.SendOptions{}))
}
