package rabbitmq_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
)

// TestStreamSurvivesOutage: the broker disappears (every connection dropped,
// new ones refused for 3 s) in the middle of a 10,000-message stream. No
// message whose publish was confirmed is lost, publishers see errors (never
// a false confirm) and retry, consumers resume by themselves.
func TestStreamSurvivesOutage(t *testing.T) {
	p, url := newProxy(t, brokertest.AMQPURL(t))
	stream(t, url, 10_000, func() { p.cut(3 * time.Second) })
}

// TestBrokerRestart is the same stream across a real restart of the broker
// (scripts/brokers.sh restart rabbitmq, about 15 s). Restarting the node
// that every package's tests share would break the tests `go test ./...`
// runs in parallel, so it runs in make test's restart phase only
// (UNIMQ_BROKER_RESTARTS=1, one package at a time).
func TestBrokerRestart(t *testing.T) {
	brokertest.SkipUnlessRestartsAllowed(t)
	url := brokertest.AMQPURL(t)
	stream(t, url, 10_000, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := brokertest.Restart(ctx, t, "rabbitmq"); err != nil {
			t.Errorf("restart rabbitmq: %v", err)
		}
	})
}

func stream(t *testing.T, url string, n int, outage func()) {
	pubc := openURL(t, url)
	subc := openURL(t, url)
	topic := unique("stream")

	var mu sync.Mutex
	got := map[string]int{}
	subscribe(t, subc, topic, func(ctx context.Context, m *mq.Message) error {
		mu.Lock()
		got[m.ID]++
		mu.Unlock()
		return nil
	}, mq.Group("g"), mq.Concurrency(64))

	deadline := time.Now().Add(3 * time.Minute)
	var confirmed sync.Map
	var nConfirmed, nErrors atomic.Int64
	var outageOnce sync.Once
	outageDone := make(chan struct{})
	const workers = 8
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				id := fmt.Sprintf("m-%05d", i)
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					err := pubc.Publish(ctx, topic, &mq.Message{ID: id, Tag: "t", Body: []byte(id)})
					cancel()
					if err == nil {
						confirmed.Store(id, true)
						if nConfirmed.Add(1) == int64(n)*3/10 {
							outageOnce.Do(func() {
								go func() {
									defer close(outageDone)
									outage()
								}()
							})
						}
						break
					}
					nErrors.Add(1)
					if time.Now().After(deadline) {
						t.Errorf("publish %s still failing at the deadline: %v", id, err)
						return
					}
					retry := time.NewTimer(100 * time.Millisecond)
					<-retry.C
				}
			}
		}(w)
	}
	wg.Wait()
	select {
	case <-outageDone:
	case <-time.After(time.Until(deadline)):
		t.Fatal("the outage did not end")
	}
	require.EqualValues(t, n, nConfirmed.Load())
	missing := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		confirmed.Range(func(k, _ any) bool {
			if got[k.(string)] == 0 {
				out = append(out, k.(string))
			}
			return true
		})
		return out
	}
	require.Eventually(t, func() bool { return len(missing()) == 0 }, time.Until(deadline), 100*time.Millisecond,
		"confirmed messages never delivered")
	mu.Lock()
	dups := 0
	for _, c := range got {
		dups += c - 1
	}
	mu.Unlock()
	t.Logf("%d confirmed, %d publish errors retried, %d redelivered duplicates (at-least-once)", n, nErrors.Load(), dups)
}
