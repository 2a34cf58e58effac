package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq/mqtest"
)

// TestReadiness: a subscriber whose connections to the brokers (bootstrap
// and advertised alike, through kafka.WithDialer) are cut for 3 s reports
// Connected false during the outage and true once its group session is
// back, and handles every message published (by a client the cut does not
// touch) before, during and after.
func TestReadiness(t *testing.T) {
	pub := open(t)
	topic := mqtest.UniqueName("ready")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, pub.Declare(ctx, topic, "g"))
	var d brokertest.CutDialer
	sub := open(t, kafka.WithDialer(&d))
	brokertest.Readiness(t, pub, sub, topic, "g", 3*time.Second, 60*time.Second, d.Cut)
}
