package kafka

import (
	"context"
	"io"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Only connection failures tell the link is down: Kafka error codes
// (rebalances, unknown members) and the group's own close do not, and
// nothing is told once the subscription closes.
func TestLinkErrTellsConnectionFailuresOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscription{cfg: &driver.SubscriptionConfig{Group: "g"}, ctx: ctx, cancel: cancel}
	var got []error
	s.WatchLink(func(err error) { got = append(got, err) })
	s.linkErr(sarama.ErrRebalanceInProgress)
	s.linkErr(&sarama.ConsumerError{Err: sarama.ErrUnknownMemberId})
	s.linkErr(sarama.ErrClosedConsumerGroup)
	require.Empty(t, got)
	s.linkErr(&sarama.ConsumerError{Topic: "t", Err: io.EOF})
	s.linkErr(sarama.ErrOutOfBrokers)
	require.Len(t, got, 2)
	for _, err := range got {
		require.ErrorIs(t, err, mq.ErrUnavailable)
	}
	s.tell(nil)
	require.Len(t, got, 3)
	require.NoError(t, got[2])
	cancel()
	s.linkErr(io.EOF)
	require.Len(t, got, 3, "nothing told after Close")
}
