package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// TestChaos publishes from several goroutines while handlers fail at
// random, subscribers come and go, connections drop and deliveries are
// duplicated. Every message must be handled successfully at least once,
// the group's backlog must drain, and an ordered group must see each key's
// messages first succeed in publish order.
func TestChaos(t *testing.T) {
	for _, ordered := range []bool{false, true} {
		t.Run(fmt.Sprintf("ordered=%v", ordered), func(t *testing.T) { chaos(t, ordered) })
	}
}

func chaos(t *testing.T, ordered bool) {
	c := open(t, uniqueURL(t, "partitions=3&maxbacklog=200"))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	const keys, perKey = 8, 150
	total := keys * perKey

	var mu sync.Mutex
	first := map[string][]int{} // key -> indexes in order of first success
	seen := map[string]bool{}
	handler := func(ctx context.Context, m *mq.Message) error {
		if rand.IntN(10) == 0 {
			return errors.New("random failure")
		}
		mu.Lock()
		defer mu.Unlock()
		if !seen[m.ID] {
			seen[m.ID] = true
			var i int
			fmt.Sscanf(string(m.Body), "%d", &i)
			first[m.Key] = append(first[m.Key], i)
		}
		return nil
	}
	opts := []mq.Option{mq.Group("g"), mq.MaxAttempts(1000), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)), mq.Concurrency(4)}
	if ordered {
		opts = append(opts, mq.Ordered())
	}
	subscribe := func() *mq.Subscriber {
		s, err := c.Subscribe(ctx, "chaos", handler, opts...)
		require.NoError(t, err)
		return s
	}
	subs := []*mq.Subscriber{subscribe(), subscribe(), subscribe()}

	stop := make(chan struct{})
	var chaosWG sync.WaitGroup
	chaosWG.Add(1)
	go func() {
		defer chaosWG.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			switch i % 4 {
			case 0:
				b.DropConnections()
			case 1:
				b.DuplicateNext(2)
			}
		}
	}()

	var pubWG sync.WaitGroup
	for k := range keys {
		pubWG.Add(1)
		go func() {
			defer pubWG.Done()
			for i := range perKey {
				m := &mq.Message{ID: fmt.Sprintf("k%d-%d", k, i), Key: fmt.Sprintf("k%d", k), Body: []byte(fmt.Sprint(i))}
				if err := c.Publish(ctx, "chaos", m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// Replace a subscriber while messages flow.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) >= total/4
	}, 20*time.Second, time.Millisecond)
	require.NoError(t, subs[0].Close(ctx))
	subs[0] = subscribe()
	pubWG.Wait()

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == total
	}, 20*time.Second, 2*time.Millisecond, "not every message succeeded")
	close(stop)
	chaosWG.Wait()
	require.Eventually(t, func() bool { return b.Backlog("chaos", "g") == 0 }, 10*time.Second, 2*time.Millisecond)

	if ordered {
		mu.Lock()
		defer mu.Unlock()
		for key, idx := range first {
			for i := range idx {
				require.Equal(t, i, idx[i], "key %s out of order: %v", key, idx)
			}
		}
	}
}
