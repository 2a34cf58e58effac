package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Each like= declares that backend's capabilities and limits (the adapters'
// own are compared with these in package all); without like, memory keeps
// every feature and the base name rule.
func TestLikeCapabilities(t *testing.T) {
	all := driver.Capability(0)
	for b := driver.CapSyncPublish; b <= driver.CapRedeliveryDelay; b <<= 1 {
		all |= b
	}
	for _, x := range []struct {
		like    string
		lacks   driver.Capability
		maxsize int
		delay   time.Duration
		topics  driver.NameRule
	}{
		{"", 0, memory.DefaultMaxMessageSize, 0, driver.BaseTopics},
		{"kafka", driver.CapDelay | driver.CapTxCheckBack | driver.CapTagFilter | driver.CapPatternFilter, 1000000, 0, driver.KafkaTopics},
		{"rabbitmq", driver.CapTransactions | driver.CapTxCheckBack | driver.CapStartOldest | driver.CapStartTime | driver.CapPartitions,
			16 << 20, 24 * 24 * time.Hour, driver.AMQPTopics},
		{"rocketmq", driver.CapPatternFilter, 4 << 20, 72 * time.Hour, driver.RocketMQTopics},
	} {
		params := ""
		if x.like != "" {
			params = "like=" + x.like
		}
		caps := open(t, uniqueURL(t, params)).Capabilities()
		require.Equal(t, "memory", caps.Backend)
		require.Equal(t, all&^x.lacks, caps.Features, "like=%s: %s", x.like, caps.Features)
		require.Equal(t, x.maxsize, caps.MaxMessageSize, x.like)
		require.Equal(t, x.delay, caps.MaxDelay, x.like)
		require.Equal(t, x.topics, caps.Topics, x.like)
	}
	// maxsize still sets the limit (a broker configured above its default).
	require.Equal(t, 2000000, open(t, uniqueURL(t, "like=kafka&maxsize=2000000")).Capabilities().MaxMessageSize)
}

// like= is part of the broker's shape: a second Open of the name must agree.
func TestLikeFixedByTheBroker(t *testing.T) {
	c := open(t, uniqueURL(t, "like=kafka"))
	name := brokerOf(t, c).Name()
	require.Equal(t, memory.LikeKafka, brokerOf(t, c).Config().Like)
	open(t, "memory://"+name)
	open(t, "memory://"+name+"?like=kafka")
	_, err := mq.Open(context.Background(), "memory://"+name+"?like=rocketmq")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), `like="kafka"`)
}

// Topic names follow the backend's rule, refused before anything is
// stored, whether mq checks them first or memory does.
func TestLikeTopicNames(t *testing.T) {
	ctx := ctxT(t)
	for _, x := range []struct {
		like     string
		ok, bad  []string
		badError string
	}{
		{"", []string{"orders.v1", "a/b", "%DLQ%x", strings.Repeat("x", 300)}, []string{"a b"}, ""},
		{"kafka", []string{"orders.v1", "orders_v1-2", strings.Repeat("x", 249)}, []string{"a/b", "%DLQ%x", "..", strings.Repeat("x", 250)}, "kafka"},
		{"rabbitmq", []string{"orders.v1", "a/b", "ümlaut", strings.Repeat("x", 255)}, []string{strings.Repeat("x", 256), "a\x00b"}, "rabbitmq"},
		{"rocketmq", []string{"orders_v1-2", "%RETRY%g", strings.Repeat("x", 127)}, []string{"orders.v1", "a/b", strings.Repeat("x", 128)}, "rocketmq"},
	} {
		params := "partitions=1"
		if x.like != "" {
			params += "&like=" + x.like
		}
		c := open(t, uniqueURL(t, params))
		for _, name := range x.ok {
			if x.like == "rabbitmq" {
				require.NoError(t, c.Declare(ctx, name, "g"), "like=%s %q", x.like, name)
			}
			require.NoError(t, c.Publish(ctx, name, &mq.Message{Body: []byte("1")}), "like=%s %q", x.like, name)
		}
		for _, name := range x.bad {
			err := c.Publish(ctx, name, &mq.Message{Body: []byte("1")})
			require.ErrorIs(t, err, mq.ErrInvalidArgument, "like=%s %q", x.like, name)
			_, err = c.NewConsumer(ctx, name, mq.Group("g"))
			require.ErrorIs(t, err, mq.ErrInvalidArgument, "like=%s %q", x.like, name)
			require.Contains(t, brokerOf(t, c).Topics(), x.ok[0])
			require.NotContains(t, brokerOf(t, c).Topics(), name, "like=%s: %q created", x.like, name)
		}
	}
}

// Message size: the backend's broker default, checked before anything is
// stored.
func TestLikeMaxMessageSize(t *testing.T) {
	ctx := ctxT(t)
	for like, max := range map[string]int{"kafka": 1000000, "rabbitmq": 16 << 20, "rocketmq": 4 << 20} {
		c := open(t, uniqueURL(t, "like="+like))
		require.NoError(t, c.Declare(ctx, "t", "g"))
		require.NoError(t, c.Publish(ctx, "t", &mq.Message{Body: make([]byte, max)}), like)
		require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{Body: make([]byte, max+1)}), mq.ErrTooLarge, like)
	}
	// Without like, 2 MiB passes as before.
	require.NoError(t, open(t, uniqueURL(t, "")).Publish(ctx, "t", &mq.Message{Body: make([]byte, 2<<20)}))
}

// Delays: none on Kafka; at most 24 days on RabbitMQ, 72 h on RocketMQ.
func TestLikeDelay(t *testing.T) {
	ctx := ctxT(t)
	kafka := open(t, uniqueURL(t, "like=kafka"))
	require.ErrorIs(t, kafka.Publish(ctx, "t", &mq.Message{Delay: time.Second}), mq.ErrUnsupported)
	require.ErrorIs(t, kafka.Publish(ctx, "t", &mq.Message{DeliverAt: time.Now().Add(time.Hour)}), mq.ErrUnsupported)
	require.Zero(t, brokerOf(t, kafka).Len("t"))
	for like, max := range map[string]time.Duration{"rabbitmq": 24 * 24 * time.Hour, "rocketmq": 72 * time.Hour} {
		c := open(t, uniqueURL(t, "like="+like))
		require.NoError(t, c.Declare(ctx, "t", "g"))
		require.NoError(t, c.Publish(ctx, "t", &mq.Message{Delay: max - time.Minute}), like)
		require.ErrorIs(t, c.Publish(ctx, "t", &mq.Message{Delay: max + time.Minute}), mq.ErrUnsupported, like)
	}
	require.NoError(t, open(t, uniqueURL(t, "")).Publish(ctx, "t", &mq.Message{Delay: 100 * time.Hour}))
}

// Transactions: Kafka's abort an unknown outcome (no check-back); RabbitMQ
// has none; RocketMQ's check back.
func TestLikeTransactions(t *testing.T) {
	ctx := ctxT(t)
	unknown := func(context.Context) error { return mq.ErrTxUnknown }
	kafka := open(t, uniqueURL(t, "like=kafka&txcheck=1ms"), mq.WithTxChecker(func(context.Context, *mq.Message) mq.TxState { return mq.TxCommit }))
	err := kafka.PublishTx(ctx, "t", []*mq.Message{{Body: []byte("1")}}, unknown)
	require.ErrorIs(t, err, mq.ErrTxRolledBack)
	require.Zero(t, brokerOf(t, kafka).PendingTransactions())
	require.NoError(t, kafka.PublishTx(ctx, "t", []*mq.Message{{Body: []byte("2")}}, func(context.Context) error { return nil }))
	require.Equal(t, 1, brokerOf(t, kafka).Len("t"))

	rabbit := open(t, uniqueURL(t, "like=rabbitmq"))
	require.ErrorIs(t, rabbit.PublishTx(ctx, "t", []*mq.Message{{Body: []byte("1")}}, unknown), mq.ErrUnsupported)

	rocket := open(t, uniqueURL(t, "like=rocketmq&txcheck=1ms"), mq.WithTxChecker(func(context.Context, *mq.Message) mq.TxState { return mq.TxCommit }))
	require.ErrorIs(t, rocket.PublishTx(ctx, "t", []*mq.Message{{Body: []byte("1")}}, unknown), mq.ErrTxUnknown)
	require.Eventually(t, func() bool { return brokerOf(t, rocket).Len("t") == 1 }, 10*time.Second, time.Millisecond, "committed by check-back")
}

// RabbitMQ (exchange modes): a publish that no group would get is
// ErrUnroutable; a group's queue keeps its bindings after its subscribers
// leave; Declare binds every tag; a broadcast subscriber's queue goes with
// it.
func TestLikeRabbitMQUnroutable(t *testing.T) {
	ctx := ctxT(t)
	c := open(t, uniqueURL(t, "like=rabbitmq"))
	b := brokerOf(t, c)
	for _, send := range []func(topic string, m *mq.Message) error{
		func(topic string, m *mq.Message) error { return c.Publish(ctx, topic, m) },
		func(topic string, m *mq.Message) error { return c.PublishBatch(ctx, topic, []*mq.Message{m}) },
		func(topic string, m *mq.Message) error { return c.PublishFuture(ctx, topic, m).Wait(ctx) },
		func(topic string, m *mq.Message) error { return c.Publish(ctx, topic, withDelay(m)) },
	} {
		require.ErrorIs(t, send("fresh", &mq.Message{Body: []byte("x")}), mq.ErrUnroutable)
	}
	require.Zero(t, b.Len("fresh"))

	k, err := c.NewConsumer(ctx, "tagged", mq.Group("g"), mq.TagFilter("a || b"))
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "tagged", &mq.Message{Tag: "a"}))
	require.ErrorIs(t, c.Publish(ctx, "tagged", &mq.Message{Tag: "c"}), mq.ErrUnroutable)
	require.ErrorIs(t, c.PublishBatch(ctx, "tagged", []*mq.Message{{Tag: "b"}, {Tag: "c"}}), mq.ErrUnroutable)
	require.Equal(t, 1, b.Len("tagged"), "a batch with an unroutable message stores nothing")
	require.NoError(t, k.Close(ctx))
	require.NoError(t, c.Publish(ctx, "tagged", &mq.Message{Tag: "b"}), "the group's queue stays bound")

	bc, err := c.NewConsumer(ctx, "bc", mq.Broadcast())
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, "bc", &mq.Message{Tag: "any"}))
	require.NoError(t, bc.Close(ctx))
	require.ErrorIs(t, c.Publish(ctx, "bc", &mq.Message{}), mq.ErrUnroutable, "the broadcast queue went with its subscriber")

	require.NoError(t, c.Declare(ctx, "tagged", "h"))
	require.NoError(t, c.Publish(ctx, "tagged", &mq.Message{Tag: "c"}), "a declared group takes every tag")
}

func withDelay(m *mq.Message) *mq.Message { m.Delay = time.Second; return m }

// Start positions and other subscription features the backend lacks are
// refused; RabbitMQ's exchange modes cannot start at the oldest message or
// a time.
func TestLikeStartPositions(t *testing.T) {
	ctx := ctxT(t)
	rabbit := open(t, uniqueURL(t, "like=rabbitmq"))
	_, err := rabbit.NewConsumer(ctx, "t", mq.Group("g"), mq.StartFrom(mq.Oldest))
	require.ErrorIs(t, err, mq.ErrUnsupported)
	_, err = rabbit.NewConsumer(ctx, "t", mq.Group("g"), mq.StartAt(time.Now()))
	require.ErrorIs(t, err, mq.ErrUnsupported)
	require.Empty(t, brokerOf(t, rabbit).Groups("t"))
	for _, like := range []string{"kafka", "rocketmq"} {
		c := open(t, uniqueURL(t, "like="+like))
		_, err := c.NewConsumer(ctx, "t", mq.Group("g"), mq.StartFrom(mq.Oldest))
		require.NoError(t, err, like)
	}
}

// Dead letters go where the backend puts them: RocketMQ's %DLQ%<group>.
func TestLikeRocketMQDeadLetterTopic(t *testing.T) {
	ctx := ctxT(t)
	c := open(t, uniqueURL(t, "like=rocketmq"))
	k, err := c.NewConsumer(ctx, "orders", mq.Group("billing"), mq.MaxAttempts(1))
	require.NoError(t, err)
	pub(t, c, "orders", &mq.Message{ID: "poison"})
	require.NoError(t, recv(t, k, 1)[0].Nack(ctx, errors.New("bad")))
	b := brokerOf(t, c)
	require.Eventually(t, func() bool { return b.Len("%DLQ%billing") == 1 }, 10*time.Second, time.Millisecond)
	kd, err := c.NewConsumer(ctx, "%DLQ%billing", mq.Group("ops"), mq.StartFrom(mq.Oldest))
	require.NoError(t, err)
	require.Equal(t, "poison", recv(t, kd, 1)[0].ID)
}
