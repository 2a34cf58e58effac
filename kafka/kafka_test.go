package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

const wait = 30 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// subscribe: see brokertest.Subscribe.
var subscribe = brokertest.Subscribe

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func TestOpenRejectsUnknownParamsAndRedactsSecrets(t *testing.T) {
	defer goleak.VerifyNone(t, append(globalGoroutines, goleak.IgnoreCurrent())...)
	ctx := context.Background()
	_, err := mq.Open(ctx, "kafka://127.0.0.1:1?bogus=1&sasl_user=u&sasl_password=s3cret")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "bogus")
	require.NotContains(t, err.Error(), "s3cret")

	_, err = mq.Open(ctx, "kafka://127.0.0.1:1?compression=brotli")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	_, err = mq.Open(ctx, "kafka://127.0.0.1:1?sasl_mechanism=GSSAPI")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	_, err = mq.Open(ctx, "kafka://127.0.0.1:1?version=banana")
	require.ErrorIs(t, err, mq.ErrInvalidOption)

	// unreachable broker: unavailable, and the password is not echoed
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = mq.Open(cctx, "kafka://u:s3cret@127.0.0.1:1?sasl_mechanism=SCRAM-SHA-512&dial_timeout=200ms")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret")
}

// Kafka sync producer: a sync send with acks=all reports partition and
// offset; keys land on the partition the Java client would choose.
func TestSyncPublishReportsPartitionOffsetAndJavaPartition(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-sync", 3)
	ctx := ctxT(t)

	m := &mq.Message{Key: "foobar", Body: []byte("this is a test log")}
	require.NoError(t, c.Publish(ctx, topic, m))
	// Java: Utils.toPositive(Utils.murmur2("foobar")) % 3 == 0
	require.Equal(t, int32(0), m.Partition)
	require.GreaterOrEqual(t, m.Offset, int64(0))
	require.Equal(t, fmt.Sprintf("%s/0@%d", topic, m.Offset), m.BrokerID)

	m2 := &mq.Message{Key: "foobar", Body: []byte("again")}
	require.NoError(t, c.Publish(ctx, topic, m2))
	require.Equal(t, m.Offset+1, m2.Offset)

	m3 := &mq.Message{Key: "foobar", Body: []byte("placed")}
	require.NoError(t, c.Publish(ctx, topic, m3, kafka.WithPartition(2)))
	require.Equal(t, int32(2), m3.Partition)

	err := c.Publish(ctx, topic, &mq.Message{Body: []byte("nowhere")}, kafka.WithPartition(7))
	require.Error(t, err)

	ps, err := kafka.Partitions(ctx, c, topic)
	require.NoError(t, err)
	require.Len(t, ps, 3)
}

// Kafka per-partition consumer: one consumer per partition from the newest offset
// (a Broadcast subscriber reads every partition) gets everything published
// after it started, with partition and offset.
func TestConsumerPerPartitionFromNewest(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-newest", 3)
	ctx := ctxT(t)
	require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: "before", Key: "k0", Body: []byte("old")}))

	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("p", nil), mq.Broadcast())
	want := ids("web-log", 30)
	for i, id := range want {
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: id, Key: fmt.Sprintf("k%d", i), Body: []byte(id)}))
	}
	col.WaitDone(t, wait, want...)
	parts := map[int32]bool{}
	for _, d := range col.Deliveries() {
		require.NotEqual(t, "before", d.Msg.ID)
		require.GreaterOrEqual(t, d.Msg.Offset, int64(0))
		parts[d.Msg.Partition] = true
	}
	require.Len(t, parts, 3, "30 keys spread over every partition")
}

// Kafka consumer groups: inside a group consumers compete (each message
// once), across groups each group gets everything.
func TestPointToPointInGroupPubSubAcrossGroups(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-taxi", 3)
	chengdu, xiamen := mqtest.NewCollector(), mqtest.NewCollector()
	gA, gB := mqtest.UniqueName("chengdu"), mqtest.UniqueName("xiamen")
	subscribe(t, c, topic, chengdu.Handler("cd-1", nil), mq.Group(gA))
	subscribe(t, open(t), topic, chengdu.Handler("cd-2", nil), mq.Group(gA))
	subscribe(t, open(t), topic, xiamen.Handler("xm-1", nil), mq.Group(gB))
	ctx := ctxT(t)
	want := ids("rider", 60)
	for i, id := range want {
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: id, Key: fmt.Sprintf("k%d", i), Body: []byte(id)}))
	}
	chengdu.ExpectExactlyOnce(t, wait, want...)
	xiamen.ExpectExactlyOnce(t, wait, want...)
	labels := map[string]int{}
	for _, d := range chengdu.Deliveries() {
		labels[d.Label]++
	}
	require.Len(t, labels, 2, "both members of the group took a share: %v", labels)
}

// A message from unimq is an ordinary record to sarama, and the other way.
func TestInteropWithPlainSarama(t *testing.T) {
	addrs := brokertest.KafkaAddrs(t)
	c := open(t)
	topic := newTopic(t, c, "kafka-interop", 1)
	ctx := ctxT(t)
	body := []byte{0, 1, 2, 0xff, 'x'}

	// unimq -> sarama
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cons, err := sarama.NewConsumer(addrs, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, cons.Close()) }()
	pc, err := cons.ConsumePartition(topic, 0, sarama.OffsetOldest)
	require.NoError(t, err)
	require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: "id-1", Key: "the-key", Tag: "red", Body: body,
		Headers: map[string]string{"trace": "abc"}}))
	select {
	case r := <-pc.Messages():
		require.Equal(t, "the-key", string(r.Key))
		require.Equal(t, body, r.Value)
		h := map[string]string{}
		for _, x := range r.Headers {
			h[string(x.Key)] = string(x.Value)
		}
		require.Equal(t, map[string]string{"trace": "abc", "unimq-tag": "red", "unimq-id": "id-1"}, h)
	case <-time.After(wait):
		t.Fatal("sarama consumer got nothing")
	}
	pc.AsyncClose()

	// sarama -> unimq
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("u", nil), mq.Group(mqtest.UniqueName("interop")))
	pcfg := sarama.NewConfig()
	pcfg.Version = sarama.V2_8_0_0
	pcfg.Producer.Return.Successes = true
	pcfg.Producer.RequiredAcks = sarama.WaitForAll
	prod, err := sarama.NewSyncProducer(addrs, pcfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, prod.Close()) }()
	_, _, err = prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k2"), Value: sarama.ByteEncoder(body),
		Headers: []sarama.RecordHeader{{Key: []byte("x-plain"), Value: []byte("1")}, {Key: []byte("unimq-id"), Value: []byte("from-sarama")}}})
	require.NoError(t, err)
	col.WaitDone(t, wait, "from-sarama")
	m := col.Of("from-sarama")[0].Msg
	require.Equal(t, "k2", m.Key)
	require.Equal(t, body, m.Body)
	require.Equal(t, map[string]string{"x-plain": "1"}, m.Headers)
	require.Equal(t, topic, m.Topic)
	require.Equal(t, 1, m.Attempt)
}

// A member joining and another leaving while messages stream: every
// message is processed at least once.
func TestGroupMemberJoinAndLeaveLosesNothing(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-rebalance", 4)
	g := mqtest.UniqueName("rebalance")
	col := mqtest.NewCollector()
	slow := func(ctx context.Context, m *mq.Message) error {
		time.Sleep(2 * time.Millisecond)
		return nil
	}
	s1, err := c.Subscribe(ctxT(t), topic, col.Handler("s1", slow), mq.Group(g))
	require.NoError(t, err)
	ctx := ctxT(t)
	want := ids("stream", 400)
	var published atomic.Int32
	pubDone := make(chan error, 1)
	go func() {
		for i, id := range want {
			if err := c.Publish(ctx, topic, &mq.Message{ID: id, Key: fmt.Sprintf("k%d", i%17), Body: []byte(id)}); err != nil {
				pubDone <- err
				return
			}
			published.Add(1)
			time.Sleep(5 * time.Millisecond)
		}
		pubDone <- nil
	}()
	require.Eventually(t, func() bool { return published.Load() > 100 }, wait, 10*time.Millisecond)
	subscribe(t, open(t), topic, col.Handler("s2", slow), mq.Group(g))
	require.Eventually(t, func() bool { return published.Load() > 250 }, wait, 10*time.Millisecond)
	cctx, cancel := context.WithTimeout(context.Background(), wait)
	require.NoError(t, s1.Close(cctx))
	cancel()
	require.NoError(t, <-pubDone)
	col.WaitFor(t, 2*wait, "every streamed message", func(ds []mqtest.Delivery) bool {
		seen := map[string]bool{}
		for _, d := range ds {
			if d.Done() {
				seen[d.Msg.ID] = true
			}
		}
		return len(seen) == len(want)
	})
	labels := map[string]int{}
	for _, d := range col.Deliveries() {
		labels[d.Label]++
	}
	require.Greater(t, labels["s2"], 0, "the joining member took over partitions: %v", labels)
}

// Close flushes the async pipeline: every callback is called.
func TestAsyncCallbacksAllCalledOnClose(t *testing.T) {
	u := brokertest.KafkaURL(t)
	ctx := ctxT(t)
	c, err := mq.Open(ctx, u)
	require.NoError(t, err)
	tc := open(t)
	topic := newTopic(t, tc, "kafka-async", 3)
	const n = 2000
	var ok, failed atomic.Int32
	for i := 0; i < n; i++ {
		require.NoError(t, c.PublishAsync(ctx, topic, &mq.Message{Key: fmt.Sprint(i), Body: make([]byte, 256)}, func(m *mq.Message, err error) {
			if err != nil {
				failed.Add(1)
				return
			}
			// an idempotent retry reported as a duplicate confirms without an offset
			if m.Offset < 0 || strings.HasPrefix(m.BrokerID, topic+"/") {
				ok.Add(1)
			}
		}))
	}
	require.NoError(t, c.Close(ctx))
	require.Equal(t, int32(n), ok.Load()+failed.Load())
	require.Equal(t, int32(n), ok.Load())
	err = c.PublishAsync(ctx, topic, &mq.Message{Body: []byte("late")}, func(*mq.Message, error) {})
	require.ErrorIs(t, err, mq.ErrClosed)
}

// Nacked messages go through the group's retry topic with the attempt
// count; the dead letter carries the reason; both are visible to sarama.
func TestRetryAndDeadLetterTopics(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-retry", 2)
	g := mqtest.UniqueName("retry")
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("r", func(ctx context.Context, m *mq.Message) error {
		return errors.New("still failing")
	}), mq.Group(g), mq.MaxAttempts(3), mq.WithBackoff(mq.ConstantBackoff(50*time.Millisecond)))
	dl := mqtest.NewCollector()
	subscribe(t, c, kafka.DeadLetterTopic(topic, g), dl.Handler("dl", nil), mq.Group(g+"-dl"), mq.StartFrom(mq.Oldest))
	ctx := ctxT(t)
	require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: "poison", Key: "p", Body: []byte("x"), Headers: map[string]string{"h": "v"}}))
	dl.WaitDone(t, wait, "poison")
	require.Equal(t, []int{1, 2, 3}, col.Attempts("poison"))
	d := dl.Of("poison")[0].Msg
	require.Equal(t, "v", d.Headers["h"])
	require.Equal(t, "3", d.Headers["unimq-dead-attempts"])
	require.Equal(t, topic, d.Headers["unimq-dead-topic"])
	require.Equal(t, g, d.Headers["unimq-dead-group"])
	require.Contains(t, d.Headers["unimq-dead-reason"], "still failing")
}

// A PublishAsync callback may publish synchronously (its confirmation does
// not wait for the callback goroutine).
func TestAsyncCallbackMayPublishSync(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-chain", 1)
	ctx := ctxT(t)
	res := make(chan error, 1)
	require.NoError(t, c.PublishAsync(ctx, topic, &mq.Message{Body: []byte("first")}, func(m *mq.Message, err error) {
		if err != nil {
			res <- err
			return
		}
		res <- c.Publish(ctx, topic, &mq.Message{Body: []byte("second")})
	}))
	select {
	case err := <-res:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("a sync Publish inside a PublishAsync callback did not return")
	}
}

// As reaches the sarama types behind the client and a subscriber.
func TestAsEscapeHatches(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-as", 2)
	var client sarama.Client
	require.True(t, c.As(&client))
	ps, err := client.Partitions(topic)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	var admin sarama.ClusterAdmin
	require.True(t, c.As(&admin))
	var cfg sarama.Config
	require.True(t, c.As(&cfg))
	require.Equal(t, sarama.WaitForAll, cfg.Producer.RequiredAcks)
	var nope *int
	require.False(t, c.As(&nope))

	s := subscribe(t, c, topic, func(context.Context, *mq.Message) error { return nil }, mq.Group(mqtest.UniqueName("as")))
	var g sarama.ConsumerGroup
	require.True(t, s.As(&g))
	var cons sarama.Consumer
	require.False(t, s.As(&cons))
	b := subscribe(t, c, topic, func(context.Context, *mq.Message) error { return nil }, mq.Broadcast())
	require.True(t, b.As(&cons))
}

// A broadcast subscriber (no group, no retry topic) redelivers a failed
// record in place with the next attempt number.
func TestBroadcastNackRedeliversInPlace(t *testing.T) {
	c := open(t)
	topic := newTopic(t, c, "kafka-bcast-nack", 2)
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("b", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt < 3 {
			return errors.New("not yet")
		}
		return nil
	}), mq.Broadcast(), mq.WithBackoff(mq.ConstantBackoff(50*time.Millisecond)))
	require.NoError(t, c.Publish(ctxT(t), topic, &mq.Message{ID: "again", Key: "k", Body: []byte("x")}))
	col.WaitDone(t, wait, "again")
	require.Equal(t, []int{1, 2, 3}, col.Attempts("again"))
}
