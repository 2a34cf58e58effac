package rocketmq

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

func TestParseURL(t *testing.T) {
	u, _ := url.Parse("rocketmq://10.0.0.1;10.0.0.2:9876?group=orders&retries=5&access_key=AK&secret_key=SK&namespace=ns&instance=svc&send_timeout=5s&queues=8&delay=levels")
	c, err := parseURL(u)
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.1:9876", "10.0.0.2:9876"}, c.nameServers)
	require.Equal(t, "orders", c.group)
	require.Equal(t, 5, c.retries)
	require.Equal(t, "AK", c.creds.AccessKey)
	require.Equal(t, "SK", c.creds.SecretKey)
	require.Equal(t, "ns", c.namespace)
	require.Equal(t, 5*time.Second, c.sendTimeout)
	require.Equal(t, 8, c.queues)
	require.False(t, c.timerDelay)
	require.True(t, strings.HasPrefix(c.instanceName("p"), "svc-p-"))
	require.NotEqual(t, c.instanceName("p"), c.instanceName("p"))

	red := kit.Redact(u)
	require.NotContains(t, red, "SK")
	require.Contains(t, red, "secret_key=xxxxx")

	for _, bad := range []string{
		"rocketmq://h:9876?bogus=1",
		"rocketmq://h:9876?retries=x",
		"rocketmq://h:9876?delay=sometimes",
		"rocketmq://h:9876?access_key=only",
		"rocketmq:///?group=x",
		"rocketmq://h:9876/path",
		"rocketmq://h:9876?queues=0",
	} {
		u, _ := url.Parse(bad)
		_, err := parseURL(u)
		require.Error(t, err, bad)
		require.True(t, errors.Is(err, driver.ErrInvalidOption), "%s: %v", bad, err)
		require.NotContains(t, err.Error(), "SK")
	}
	u, _ = url.Parse("rocketmq://h:9876?access_key=AK&secret_key=TOPSECRET&bogus=1")
	_, err = parseURL(u)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "TOPSECRET")

	u, _ = url.Parse("rocketmq://AK:SK@h:9876")
	c, err = parseURL(u)
	require.NoError(t, err)
	require.Equal(t, "AK", c.creds.AccessKey)
	require.Equal(t, "SK", c.creds.SecretKey)
	require.NotContains(t, kit.Redact(u), "SK@")
}

func TestDelayLevels(t *testing.T) {
	require.Equal(t, 18, MaxDelayLevel)
	d, err := DelayLevelDuration(2)
	require.NoError(t, err)
	require.Equal(t, 5*time.Second, d)
	_, err = DelayLevelDuration(19)
	require.Error(t, err)
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{0, 0}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {30 * time.Minute, 16}, {90 * time.Minute, 18}, {5 * time.Hour, 18}} {
		require.Equal(t, c.want, levelNotShorter(c.d), c.d)
	}
}

func TestMessageMapping(t *testing.T) {
	dm := &driver.Message{ID: "id-1", Key: "k", Tag: "TagA", Partition: -1,
		Headers: map[string]string{"a": "1", "empty": ""}, Body: nil}
	require.NoError(t, checkMessage("publish", dm))
	pm := toPrimitive("t", dm)
	require.Equal(t, "TagA", pm.GetTags())
	require.Equal(t, "k", pm.GetKeys())
	require.Equal(t, "k", pm.GetProperty("__SHARDINGKEY"), "RocketMQ's own sharding key property (Java MessageConst)")
	require.Empty(t, pm.GetShardingKey(), "not the Go client's SHARDING_KEY")
	require.Equal(t, "id-1", pm.GetProperty(PropertyID))
	require.NotEmpty(t, pm.Body, "RocketMQ refuses empty bodies")

	me := &primitive.MessageExt{MsgId: "BROKER-ID", QueueOffset: 7, ReconsumeTimes: 2, BornTimestamp: 1700000000000}
	me.Topic = "ns%t"
	me.Body = pm.Body
	me.WithProperties(pm.GetProperties())
	me.Queue = &primitive.MessageQueue{Topic: "ns%t", QueueId: 3}
	me.WithProperty(primitive.PropertyReconsumeTime, "2")
	got := fromExt(me, "ns")
	require.Equal(t, "t", got.Topic)
	require.Equal(t, "id-1", got.ID)
	require.Equal(t, "k", got.Key)
	require.Equal(t, "TagA", got.Tag)
	require.Equal(t, map[string]string{"a": "1", "empty": ""}, got.Headers)
	require.Empty(t, got.Body)
	require.Equal(t, 3, got.Attempt)
	require.Equal(t, int32(3), got.Partition)
	require.Equal(t, int64(7), got.Offset)
	require.Equal(t, "BROKER-ID", got.BrokerID)

	// A retry copy written by Nack: the broker's reconsume count is 0, the
	// attempt travels in unimq-attempt and is not a user header.
	me.ReconsumeTimes = 0
	me.WithProperty(driver.HeaderAttempt, "5")
	got = fromExt(me, "ns")
	require.Equal(t, 5, got.Attempt)
	require.NotContains(t, got.Headers, driver.HeaderAttempt)
	me.ReconsumeTimes = 7 // the broker's own count wins when larger
	require.Equal(t, 8, fromExt(me, "ns").Attempt)

	for _, bad := range []*driver.Message{
		{Headers: map[string]string{"KEYS": "x"}},
		{Headers: map[string]string{"DELAY": "3"}},
		{Headers: map[string]string{PropertyID: "x"}},
		{Headers: map[string]string{"a\x01": "x"}},
		{Tag: "a||b"},
		{Headers: map[string]string{"__SHARDINGKEY": "x"}},
		{Headers: map[string]string{"UNIMQ_TX": "x"}},
	} {
		err := checkMessage("publish", bad)
		require.True(t, errors.Is(err, driver.ErrInvalidArgument), "%v: %v", bad, err)
	}
}

func TestSelector(t *testing.T) {
	mqs := []*primitive.MessageQueue{{Topic: "t", BrokerName: "b", QueueId: 0}, {Topic: "t", BrokerName: "b", QueueId: 1},
		{Topic: "t", BrokerName: "b", QueueId: 2}, {Topic: "t", BrokerName: "b", QueueId: 3}}
	s := &queueSelector{}
	m := primitive.NewMessage("t", []byte("x"))
	m.WithProperty("__SHARDINGKEY", "order-42")
	first := s.Select(m, mqs, "")
	for i := 0; i < 10; i++ {
		require.Same(t, first, s.Select(m, mqs, ""), "same key, same queue")
	}
	m.Queue = &primitive.MessageQueue{QueueId: 2}
	require.Equal(t, 2, s.Select(m, mqs, "").QueueId)
	seen := map[int]bool{}
	for i := 0; i < 8; i++ {
		seen[s.Select(primitive.NewMessage("t", nil), mqs, "").QueueId] = true
	}
	require.Len(t, seen, 4, "round robin without a key")
}

func TestSendStatusError(t *testing.T) {
	err := checkResult(t.Context(), "publish", &primitive.SendResult{Status: primitive.SendFlushSlaveTimeout, MsgID: "M1"}, nil)
	require.True(t, errors.Is(err, driver.ErrRejected), "%v", err)
	var se *SendStatusError
	require.True(t, errors.As(err, &se))
	require.Equal(t, primitive.SendFlushSlaveTimeout, se.Status)
	require.Contains(t, err.Error(), "FLUSH_SLAVE_TIMEOUT")
}
