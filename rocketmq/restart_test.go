package rocketmq_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestBrokerRestartMidStream: a stream of sync publishes and a subscriber
// run across `scripts/brokers.sh restart rocketmq`; every message whose
// Publish returned nil arrives. Only in make test's restart phase
// (UNIMQ_BROKER_RESTARTS=1): it stops the shared broker for half a minute.
func TestBrokerRestartMidStream(t *testing.T) {
	brokertest.SkipUnlessRestartsAllowed(t)
	c := openClient(t)
	topic := mqtest.UniqueName("restart")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-restart")))

	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var confirmed []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprint("r", i)
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Publish(pctx, topic, &mq.Message{ID: id, Body: []byte(id)})
			pcancel()
			if err == nil {
				mu.Lock()
				confirmed = append(confirmed, id)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	require.Eventually(t, func() bool { return col.Len() > 20 }, wait, 50*time.Millisecond)
	require.NoError(t, brokertest.Restart(t.Context(), t, "rocketmq"))
	// keep publishing until the client has found the broker again
	mu.Lock()
	before := len(confirmed)
	mu.Unlock()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(confirmed) > before+20 }, 2*time.Minute, 100*time.Millisecond)
	cancel()
	wg.Wait()
	col.WaitDone(t, 2*time.Minute, confirmed...)
	t.Logf("%d confirmed messages, all delivered (%d deliveries)", len(confirmed), col.Len())
}
