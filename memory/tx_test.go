package memory_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestTxCommitAndRollback(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)

	ms := numbered("c", 3)
	err = c.PublishTx(ctx, "t", ms, func(ctx context.Context) error {
		require.Equal(t, 0, b.Len("t"), "half messages are invisible")
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, ms[0].BrokerID)
	got := recv(t, k, 3)
	require.ElementsMatch(t, []string{"c0", "c1", "c2"}, bodies(got))
	require.NoError(t, k.Ack(ctx, got...))

	err = c.PublishTx(ctx, "t", numbered("r", 2), func(ctx context.Context) error { return errors.New("db failed") })
	require.ErrorIs(t, err, mq.ErrTxRolledBack)
	quiet(t, k, 50*quietUnit)
}

func TestTxUnknownResolvedByCheckBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  mq.TxState
		visible bool
	}{{"commit", mq.TxCommit, true}, {"rollback", mq.TxRollback, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var checks atomic.Int32
			checked := make(chan *mq.Message, 10)
			c := open(t, uniqueURL(t, "txcheck=10ms"), mq.WithTxChecker(func(ctx context.Context, m *mq.Message) mq.TxState {
				checked <- m
				if checks.Add(1) < 2 {
					return mq.TxUnknown
				}
				return tc.answer
			}))
			ctx := ctxT(t)
			b := brokerOf(t, c)
			k, err := c.NewConsumer(ctx, "t", mq.Group("g"))
			require.NoError(t, err)
			err = c.PublishTx(ctx, "t", []*mq.Message{{ID: "order-1", Key: "order-1", Body: []byte("x")}},
				func(ctx context.Context) error { return mq.ErrTxUnknown })
			require.ErrorIs(t, err, mq.ErrTxUnknown)
			require.Equal(t, 1, b.PendingTransactions())
			m := <-checked
			require.Equal(t, "order-1", m.Key)
			require.Eventually(t, func() bool { return b.PendingTransactions() == 0 }, 5*time.Second, time.Millisecond)
			require.Equal(t, int32(2), checks.Load())
			if tc.visible {
				require.Equal(t, "order-1", recv(t, k, 1)[0].ID)
			} else {
				quiet(t, k, 50*quietUnit)
			}
		})
	}
}

func TestTxUnknownRolledBackAfterTxChecks(t *testing.T) {
	var checks atomic.Int32
	c := open(t, uniqueURL(t, "txcheck=5ms&txchecks=3"), mq.WithTxChecker(func(ctx context.Context, m *mq.Message) mq.TxState {
		checks.Add(1)
		return mq.TxUnknown
	}))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	err := c.PublishTx(ctx, "t", numbered("u", 1), func(ctx context.Context) error { return mq.ErrTxUnknown })
	require.ErrorIs(t, err, mq.ErrTxUnknown)
	require.Eventually(t, func() bool { return b.PendingTransactions() == 0 }, 5*time.Second, time.Millisecond)
	require.Equal(t, int32(3), checks.Load())
	require.Equal(t, 0, b.Len("t"))
}

func TestTxPanicInLocalIsUnknown(t *testing.T) {
	c := open(t, uniqueURL(t, "txcheck=5ms"), mq.WithTxChecker(func(ctx context.Context, m *mq.Message) mq.TxState {
		return mq.TxCommit
	}))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	err := c.PublishTx(ctx, "t", numbered("p", 1), func(ctx context.Context) error { panic("crash") })
	require.ErrorIs(t, err, mq.ErrTxUnknown)
	require.Eventually(t, func() bool { return b.Len("t") == 1 }, 5*time.Second, time.Millisecond)
}

func TestTxUndecidedDiscardedOnClose(t *testing.T) {
	u := uniqueURL(t, "txcheck=1h")
	holder := open(t, u)
	b := brokerOf(t, holder)
	ctx := ctxT(t)
	c, err := mq.Open(ctx, u)
	require.NoError(t, err)
	err = c.PublishTx(ctx, "t", numbered("p", 1), func(ctx context.Context) error { return mq.ErrTxUnknown })
	require.ErrorIs(t, err, mq.ErrTxUnknown)
	require.Equal(t, 1, b.PendingTransactions())
	require.NoError(t, c.Close(ctx))
	require.Equal(t, 0, b.PendingTransactions())
}
