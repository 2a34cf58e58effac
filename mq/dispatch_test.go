package mq_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// warmUp runs fast handlers until the subscriber hands out chunks of
// several messages, and fails the test if it never does.
func warmUp(t *testing.T, c *mq.Client, s *mq.Subscriber, topic string, handled *atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	batch := make([]*mq.Message, 200)
	for i := range batch {
		batch[i] = &mq.Message{Tag: "fast", Body: []byte("x")}
	}
	deadline := time.Now().Add(10 * time.Second)
	for mq.ChunkSize(s, 8) < 2 {
		require.True(t, time.Now().Before(deadline), "fast handlers never got chunks of several messages")
		want := handled.Load() + int64(len(batch))
		require.NoError(t, c.PublishBatch(ctx, topic, batch))
		require.Eventually(t, func() bool { return handled.Load() >= want }, 5*time.Second, time.Millisecond)
	}
}

// A handler that blocks must not hold back the messages queued behind it
// in its chunk: here the first waits for the second, which would deadlock
// if they stayed in one worker.
func TestBlockedHandlerDoesNotHoldItsChunk(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	var handled atomic.Int64
	released := make(chan struct{})
	waited := make(chan error, 1)
	s, err := c.Subscribe(ctx, "chunks", func(ctx context.Context, m *mq.Message) error {
		switch m.Tag {
		case "wait":
			select {
			case <-released:
				waited <- nil
			case <-time.After(10 * time.Second):
				waited <- context.DeadlineExceeded
			}
		case "release":
			close(released)
		}
		handled.Add(1)
		return nil
	}, mq.Concurrency(8))
	require.NoError(t, err)
	defer s.Close(ctx)
	warmUp(t, c, s, "chunks", &handled)

	require.NoError(t, c.PublishBatch(ctx, "chunks", []*mq.Message{
		{Tag: "wait", Body: []byte("1")}, {Tag: "release", Body: []byte("2")},
	}))
	select {
	case err := <-waited:
		require.NoError(t, err, "the message behind a blocked handler was not handed to another worker")
	case <-time.After(15 * time.Second):
		t.Fatal("the blocked handler never returned")
	}
}

// Slow handlers get a worker each: Concurrency of them run at once even
// after fast handlers made the chunks large.
func TestSlowHandlersRunConcurrently(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	const conc = 8
	var handled, running, peak atomic.Int64
	gate := make(chan struct{})
	s, err := c.Subscribe(ctx, "slow", func(ctx context.Context, m *mq.Message) error {
		defer handled.Add(1)
		if m.Tag != "slow" {
			return nil
		}
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-gate:
		case <-ctx.Done():
		}
		return nil
	}, mq.Concurrency(conc))
	require.NoError(t, err)
	defer s.Close(ctx)
	warmUp(t, c, s, "slow", &handled)

	batch := make([]*mq.Message, conc)
	for i := range batch {
		batch[i] = &mq.Message{Tag: "slow", Body: []byte("x")}
	}
	require.NoError(t, c.PublishBatch(ctx, "slow", batch))
	require.Eventually(t, func() bool { return peak.Load() == conc }, 5*time.Second, time.Millisecond,
		"slow handlers did not all run at once")
	close(gate)
}
