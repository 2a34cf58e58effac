package kafka_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// withParam appends a query parameter to u.
func withParam(u, kv string) string {
	if strings.Contains(u, "?") {
		return u + "&" + kv
	}
	return u + "?" + kv
}

// PublishAsync calls accepted before Close are confirmed or failed for a
// reason of their own, never by Close: here the topic does not exist yet
// (create_topics=false, the broker creates it on first metadata request),
// so the first records wait in the producer's retry while the leader is
// elected, and Close comes at once.
func TestCloseWaitsForAsyncSendsInRetry(t *testing.T) {
	u := withParam(brokertest.KafkaURL(t), "create_topics=false")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, u)
	require.NoError(t, err)
	topic := mqtest.UniqueName("kafka-close-retry")
	const n = 200
	var mu sync.Mutex
	var failed []string
	ok := 0
	for i := 0; i < n; i++ {
		require.NoError(t, c.PublishAsync(ctx, topic, &mq.Message{Key: fmt.Sprint(i), Body: []byte("x")}, func(m *mq.Message, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, err.Error())
				return
			}
			ok++
		}))
	}
	require.NoError(t, c.Close(ctx))
	mu.Lock()
	defer mu.Unlock()
	for _, f := range failed {
		require.NotContains(t, f, "shutting down", "an accepted async send was failed by Close")
		require.NotContains(t, f, "closed", "an accepted async send was failed by Close")
	}
	t.Logf("%d confirmed, %d failed (%v)", ok, len(failed), first(failed))
	require.Equal(t, n, ok+len(failed))
}

func first(s []string) []string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}
