package memory_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestNackRedeliversNotBeforeDelayWithNextAttempt(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	const backoff = 80 * time.Millisecond
	k, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.WithBackoff(mq.ConstantBackoff(backoff)))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{ID: "x", Body: []byte("x")})
	m := recv(t, k, 1)[0]
	require.Equal(t, 1, m.Attempt)
	nacked := time.Now()
	require.NoError(t, m.Nack(ctx, errors.New("try again")))
	m2 := recv(t, k, 1)[0]
	require.GreaterOrEqual(t, time.Since(nacked), backoff)
	require.Equal(t, "x", m2.ID)
	require.Equal(t, 2, m2.Attempt)
	require.Equal(t, m.BrokerID, m2.BrokerID)
	require.Equal(t, m.Offset, m2.Offset)
	require.NoError(t, m2.Ack(ctx))
	require.ErrorIs(t, m2.Ack(ctx), mq.ErrInvalidArgument)
	require.Equal(t, 0, brokerOf(t, c).Backlog("t", "g"))
}

func TestDeadLetterDefaultTopicAndHeaders(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	b := brokerOf(t, c)
	k, err := c.NewConsumer(ctx, "orders", mq.Group("billing"), mq.MaxAttempts(2), mq.WithBackoff(mq.ConstantBackoff(time.Millisecond)))
	require.NoError(t, err)
	pub(t, c, "orders", &mq.Message{ID: "poison", Key: "k", Tag: "t", Headers: map[string]string{"h": "v"}, Body: []byte("p")})
	require.NoError(t, recv(t, k, 1)[0].Nack(ctx, errors.New("first")))
	require.NoError(t, recv(t, k, 1)[0].Nack(ctx, errors.New("bad input")))

	dlq := memory.DeadLetterTopic("orders", "billing")
	require.Equal(t, "orders.billing.dlq", dlq)
	require.Eventually(t, func() bool { return b.Len(dlq) == 1 }, 5*time.Second, time.Millisecond)
	d := b.Messages(dlq)[0]
	require.Equal(t, "poison", d.ID)
	require.Equal(t, "k", d.Key)
	require.Equal(t, "t", d.Tag)
	require.Equal(t, []byte("p"), d.Body)
	require.Equal(t, "v", d.Header("h"))
	require.Equal(t, "bad input", d.Header("unimq-dead-reason"))
	require.Equal(t, "orders", d.Header("unimq-dead-topic"))
	require.Equal(t, "billing", d.Header("unimq-dead-group"))
	require.Equal(t, "2", d.Header("unimq-dead-attempts"))
	require.Equal(t, 0, b.Backlog("orders", "billing"))
	quiet(t, k, 30*quietUnit)

	// A chosen dead-letter topic, and the DLQ is an ordinary topic to read.
	kd, err := c.NewConsumer(ctx, "custom-dlq", mq.Group("ops"))
	require.NoError(t, err)
	k2, err := c.NewConsumer(ctx, "orders", mq.Group("other"), mq.MaxAttempts(1), mq.DeadLetterTopic("custom-dlq"))
	require.NoError(t, err)
	pub(t, c, "orders", &mq.Message{ID: "p2"})
	require.NoError(t, recv(t, k2, 1)[0].Nack(ctx, errors.New("no")))
	got := recv(t, kd, 1)[0]
	require.Equal(t, "p2", got.ID)
	require.Equal(t, "other", got.Header("unimq-dead-group"))
}

func TestCloseReturnsUnsettledToTheGroup(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	k1, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, c, "t", numbered("m", 3)...)
	got := recv(t, k1, 3)
	require.NoError(t, got[0].Ack(ctx))
	k2, err := c.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	quiet(t, k2, 30*quietUnit) // all in flight at k1
	require.NoError(t, k1.Close(ctx))
	again := recv(t, k2, 2)
	require.ElementsMatch(t, bodies(got[1:]), bodies(again))
	for _, m := range again {
		require.Equal(t, 2, m.Attempt)
	}
	quiet(t, k2, 30*quietUnit)
}

func TestHandlerErrorsRetryThenSucceed(t *testing.T) {
	c := open(t, uniqueURL(t, ""))
	ctx := ctxT(t)
	attempts := make(chan int, 10)
	_, err := c.Subscribe(ctx, "t", func(ctx context.Context, m *mq.Message) error {
		attempts <- m.Attempt
		if m.Attempt < 3 {
			return errors.New("attempt " + strconv.Itoa(m.Attempt))
		}
		return nil
	}, mq.Group("g"), mq.WithBackoff(mq.ConstantBackoff(5*time.Millisecond)))
	require.NoError(t, err)
	pub(t, c, "t", &mq.Message{Body: []byte("x")})
	for want := 1; want <= 3; want++ {
		select {
		case a := <-attempts:
			require.Equal(t, want, a)
		case <-ctx.Done():
			t.Fatal("no redelivery")
		}
	}
	b := brokerOf(t, c)
	require.Eventually(t, func() bool { return b.Backlog("t", "g") == 0 }, 5*time.Second, time.Millisecond)
}
