package memory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// A Subscriber's State follows its receives: not connected, with the
// receive error as the API reports it, while the broker is down; connected
// again once a receive succeeds after it came back.
func TestSubscriberStateFollowsReceives(t *testing.T) {
	ctx := ctxT(t)
	c := open(t, uniqueURL(t, ""))
	b := brokerOf(t, c)
	sub, err := c.Subscribe(ctx, "t", func(context.Context, *mq.Message) error { return nil },
		mq.Group("g"), mq.WithBackoff(mq.ConstantBackoff(5*time.Millisecond)))
	require.NoError(t, err)
	defer sub.Close(ctx)
	require.True(t, sub.State().Connected)

	b.SetUnavailable(true)
	require.Eventually(t, func() bool { return !sub.State().Connected }, 10*time.Second, time.Millisecond,
		"State says not connected while receives fail")
	st := sub.State()
	require.ErrorIs(t, st.LastError, mq.ErrUnavailable)
	require.True(t, strings.HasPrefix(st.LastError.Error(), "unimq memory receive: "), st.LastError.Error())
	require.Positive(t, st.Failures)

	b.SetUnavailable(false)
	require.Eventually(t, func() bool { return sub.State().Connected }, 10*time.Second, time.Millisecond,
		"State says connected once a receive succeeds again")
	require.Zero(t, sub.State().Failures)
}
