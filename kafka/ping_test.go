package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestPingRealBroker(t *testing.T) {
	c := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, c.Ping(ctx))
	t.Logf("ping: %v", time.Since(start))
	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Ping(ctx), mq.ErrClosed)
}

// mockKafka is a one-broker cluster (sarama's MockBroker) answering what
// Open asks; it advertises its own address, so stopping it makes the
// cluster unreachable for the client under test without touching the
// shared broker.
func mockKafka(t *testing.T) *sarama.MockBroker {
	mb := sarama.NewMockBroker(t, 1)
	mb.SetHandlerByMap(map[string]sarama.MockResponse{
		"ApiVersionsRequest": sarama.NewMockApiVersionsResponse(t).SetApiKeys([]sarama.ApiVersionsResponseKey{
			{ApiKey: 3, MinVersion: 0, MaxVersion: 11},   // Metadata
			{ApiKey: 18, MinVersion: 0, MaxVersion: 3},   // ApiVersions
			{ApiKey: 22, MinVersion: 0, MaxVersion: 4}}), // InitProducerId
		"MetadataRequest": sarama.NewMockMetadataResponse(t).
			SetBroker(mb.Addr(), mb.BrokerID()).SetController(mb.BrokerID()),
		"InitProducerIDRequest": sarama.NewMockInitProducerIDResponse(t),
	})
	return mb
}

func metadataRequests(mb *sarama.MockBroker) int {
	n := 0
	for _, rr := range mb.History() {
		if _, ok := rr.Request.(*sarama.MetadataRequest); ok {
			n++
		}
	}
	return n
}

// TestPingFailsWhenTheBrokerIsGone: Ping asks the broker each time (the
// mock counts the Metadata requests), and fails promptly with
// mq.ErrUnavailable once the broker is gone, well within its ctx.
func TestPingFailsWhenTheBrokerIsGone(t *testing.T) {
	mb := mockKafka(t)
	closed := false
	defer func() {
		if !closed {
			mb.Close()
		}
	}()
	c := openURL(t, "kafka://"+mb.Addr(), false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	before := metadataRequests(mb)
	require.NoError(t, c.Ping(ctx))
	require.NoError(t, c.Ping(ctx))
	require.Equal(t, before+2, metadataRequests(mb), "each Ping is a round trip, not the cache")

	mb.Close()
	closed = true
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	start := time.Now()
	err := c.Ping(pctx)
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.Less(t, time.Since(start), 10*time.Second, "fails before its ctx ends")
	t.Logf("ping with the broker gone: %v after %v", err, time.Since(start))
}

// TestPingBoundedByContext: a broker that answers late makes Ping return
// mq.ErrTimeout when its ctx ends, not when the broker answers.
func TestPingBoundedByContext(t *testing.T) {
	mb := mockKafka(t)
	defer mb.Close()
	c := openURL(t, "kafka://"+mb.Addr(), false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, c.Ping(ctx))

	mb.SetLatency(2 * time.Second)
	pctx, pcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer pcancel()
	start := time.Now()
	require.ErrorIs(t, c.Ping(pctx), mq.ErrTimeout)
	require.Less(t, time.Since(start), 2*time.Second)
}
