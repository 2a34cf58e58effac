package kafka_test

import (
	"context"
	"fmt"
	"github.com/unimq/unimq/internal/brokertest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// A broker restart in the middle of a stream loses no message whose
// publish was confirmed: a publisher keeps sending (retrying what fails)
// while the broker restarts, and the group receives every confirmed one.
func TestBrokerRestartMidStreamLosesNoConfirmedMessage(t *testing.T) {
	brokertest.SkipUnlessRestartsAllowed(t)
	c := open(t)
	topic := newTopic(t, c, "kafka-restart", 3)
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("restart")))

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var (
		mu        sync.Mutex
		confirmed []string
	)
	stop := make(chan struct{})
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("stream-%04d", i)
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Publish(pctx, topic, &mq.Message{ID: id, Key: fmt.Sprintf("k%d", i%7), Body: []byte(id)})
			pcancel()
			if err == nil {
				mu.Lock()
				confirmed = append(confirmed, id)
				mu.Unlock()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(confirmed)
	}
	require.Eventually(t, func() bool { return count() >= 50 }, wait, 10*time.Millisecond)
	require.NoError(t, restartKafka(ctx, t))
	before := count()
	require.Eventually(t, func() bool { return count() >= before+50 }, 2*wait, 50*time.Millisecond,
		"publishing did not resume after the restart")
	close(stop)
	<-pubDone
	mu.Lock()
	want := append([]string(nil), confirmed...)
	mu.Unlock()
	col.WaitDone(t, 2*wait, want...)
	t.Logf("%d confirmed messages, all received (%d deliveries)", len(want), col.Len())
}
