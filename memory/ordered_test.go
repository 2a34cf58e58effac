package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func keyed(key string, n int) []*mq.Message {
	ms := make([]*mq.Message, n)
	for i := range ms {
		ms[i] = &mq.Message{Key: key, Body: []byte(fmt.Sprintf("%s-%d", key, i))}
	}
	return ms
}

// With a pull consumer the broker's own guarantee is visible: while a
// message of a key is unsettled, no later message of that key is handed
// out, but other keys flow.
func TestOrderedKeyBlocksOnlyItself(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.Ordered(), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)))
	require.NoError(t, err)
	pub(t, c, "t", keyed("a", 3)...)
	pub(t, c, "t", keyed("b", 3)...)

	first := recv(t, k, 2)
	require.Equal(t, []string{"a-0", "b-0"}, bodies(first))
	quiet(t, k, 30*quietUnit) // a-1 and b-1 wait for a-0 and b-0

	// b moves on while a-0 is unsettled.
	require.NoError(t, first[1].Ack(ctx))
	require.Equal(t, []string{"b-1"}, bodies(recv(t, k, 1)))

	// a-0 fails: it is redelivered before a-1.
	require.NoError(t, first[0].Nack(ctx, errors.New("fail")))
	again := recv(t, k, 1)[0]
	require.Equal(t, "a-0", string(again.Body))
	require.Equal(t, 2, again.Attempt)
	require.NoError(t, again.Ack(ctx))
	require.Equal(t, []string{"a-1"}, bodies(recv(t, k, 1)))
}

func TestOrderedPerKeyUnderConcurrencyWithAFailingKey(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	var mu sync.Mutex
	got := map[string][]string{}
	failed := false
	const perKey = 30
	keys := []string{"k1", "k2", "k3", "bad"}
	done := make(chan struct{})
	count := 0
	_, err := c.Subscribe(ctx, "t", func(ctx context.Context, m *mq.Message) error {
		mu.Lock()
		defer mu.Unlock()
		if m.Key == "bad" && string(m.Body) == "bad-5" && !failed {
			failed = true
			return errors.New("transient")
		}
		got[m.Key] = append(got[m.Key], string(m.Body))
		count++
		if count == perKey*len(keys) {
			close(done)
		}
		return nil
	}, mq.Group("g"), mq.Ordered(), mq.Concurrency(8), mq.WithBackoff(mq.ConstantBackoff(20*time.Millisecond)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for _, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, m := range keyed(key, perKey) {
				if err := c.Publish(ctx, "t", m); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("not all delivered")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, key := range keys {
		want := make([]string, perKey)
		for i := range want {
			want[i] = fmt.Sprintf("%s-%d", key, i)
		}
		require.Equal(t, want, got[key])
	}
}

func TestOrderedModeIsFixedWhileTheGroupHasMembers(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.Ordered())
	require.NoError(t, err)
	_, err = c.NewConsumer(ctx, "t", mq.Group("g"))
	require.ErrorIs(t, err, mq.ErrInvalidArgument)
	require.NoError(t, k.Close(ctx))
	_, err = c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
}

// Messages without a key are ordered per partition.
func TestOrderedWithoutKeyIsPerPartition(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1"))
	ctx := ctxT(t)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.Ordered())
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 3)...)
	first, err := k.Receive(ctx, 3, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"m0"}, bodies(first))
	quiet(t, k, 30*quietUnit)
	require.NoError(t, first[0].Ack(ctx))
	next, err := k.Receive(ctx, 3, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"m1"}, bodies(next))
}
