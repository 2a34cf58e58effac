package rocketmq_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// The client's own logging goes to the logger given to mq.Open (not
// parallel: the client has one logger per process, the last Open's).
func TestClientLogsRouted(t *testing.T) {
	url := brokerURL(t)
	var buf brokertest.SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, withParams(url, "access_key=AK&secret_key=SECRET-VALUE"), mq.WithLogger(log))
	require.NoError(t, err)
	require.NotContains(t, c.String(), "SECRET-VALUE")
	topic := mqtest.UniqueName("log")
	s, err := c.Subscribe(ctx, topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(mqtest.UniqueName("g-log")))
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))
	require.NoError(t, c.Close(ctx))
	out := buf.String()
	require.Contains(t, out, "component=rocketmq-client-go")
	require.NotContains(t, out, "SECRET-VALUE")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "component=rocketmq-client-go") && strings.Contains(line, "level=INFO") {
			t.Errorf("client Info lines belong at Debug: %s", line)
		}
	}
}
