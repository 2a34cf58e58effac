package rabbitmq_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// Async publishes of one key keep their order even while other goroutines
// publish on the same client: a key always uses the same channel.
func TestAsyncPerKeyOrder(t *testing.T) {
	c := open(t, "channels=4")
	topic := unique("order")
	const keys, per = 4, 300
	var mu sync.Mutex
	seen := map[string][]int{}
	total := 0
	all := make(chan struct{})
	subscribe(t, c, topic, func(ctx context.Context, m *mq.Message) error {
		if m.Key == "" {
			return nil
		}
		n, _ := strconv.Atoi(string(m.Body))
		mu.Lock()
		defer mu.Unlock()
		seen[m.Key] = append(seen[m.Key], n)
		if total++; total == keys*per {
			close(all)
		}
		return nil
	}, mq.Group("g"), mq.Ordered(), mq.Concurrency(16))

	var wg sync.WaitGroup
	errs := make(chan error, keys*per*2)
	for k := 0; k < keys; k++ {
		wg.Add(2)
		key := fmt.Sprintf("key-%d", k)
		go func() { // ordered stream of one key
			defer wg.Done()
			for i := 0; i < per; i++ {
				err := c.PublishAsync(context.Background(), topic, &mq.Message{Key: key, Tag: "t", Body: []byte(strconv.Itoa(i))},
					func(_ *mq.Message, err error) {
						if err != nil {
							errs <- err
						}
					})
				if err != nil {
					errs <- err
				}
			}
		}()
		go func() { // keyless traffic competing for channels
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := c.PublishAsync(context.Background(), topic, &mq.Message{Tag: "t", Body: []byte("x")}, func(*mq.Message, error) {}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-all:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("not all messages arrived")
	}
	mu.Lock()
	defer mu.Unlock()
	for k, got := range seen {
		want := make([]int, per)
		for i := range want {
			want[i] = i
		}
		require.Equal(t, want, got, "order of %s", k)
	}
}
