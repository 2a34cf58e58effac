package rabbitmq_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// One bad message must not hurt other callers: headers too large for one
// AMQP frame, names over 255 bytes or not UTF-8 (which would close the
// shared publishing connection), and a message whose exchange was deleted
// behind the client's back (which closes its pooled channel) get clear
// errors of their own, while concurrent well-formed publishes on the same
// client all succeed.
func TestBadPublishesDoNotFailInnocentOnes(t *testing.T) {
	c := open(t, "channels=2") // few channels: innocents and culprits share them
	topic := unique("innocent")
	gone := unique("gone")
	require.NoError(t, c.Declare(ctxT(t), topic, "g"))
	require.NoError(t, c.Declare(ctxT(t), gone, "g"))
	publish(t, c, gone, msg("warm", "", "x")) // the client now remembers gone's exchange
	deleteExchange(t, gone)

	bigHeaders := map[string]string{"h": strings.Repeat("v", 130<<10)}
	bad := []struct {
		name  string
		topic string
		m     *mq.Message
		want  []error
	}{
		{"headers over frame_max", topic, &mq.Message{Headers: bigHeaders, Body: []byte("x")}, []error{mq.ErrTooLarge}},
		{"topic over 255 bytes", strings.Repeat("t", 300), msg("", "", "x"), []error{mq.ErrInvalidArgument}},
		{"topic not UTF-8", "bad\xff-topic", msg("", "", "x"), []error{mq.ErrInvalidArgument}},
		{"tag over 255 bytes", topic, msg("", strings.Repeat("a", 300), "x"), []error{mq.ErrInvalidArgument}},
		{"exchange deleted", gone, msg("", "", "x"), []error{mq.ErrNotFound, mq.ErrUnroutable, nil}},
	}
	const publishers, each = 16, 25
	var innocentFailed atomic.Int64
	var firstInnocent atomic.Value
	var wg sync.WaitGroup
	start := make(chan struct{})
	var want []string
	for p := 0; p < publishers; p++ {
		for i := 0; i < each; i++ {
			want = append(want, ids("p"+string(rune('a'+p)), each)[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, id := range ids("p"+string(rune('a'+p)), each) {
				if err := c.Publish(ctxT(t), topic, msg(id, "", "innocent")); err != nil {
					innocentFailed.Add(1)
					firstInnocent.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	var badErrs sync.Map
	for _, b := range bad {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 5; i++ {
				m := *b.m
				err := c.Publish(ctxT(t), b.topic, &m)
				ok := false
				for _, w := range b.want {
					if (w == nil && err == nil) || (w != nil && errors.Is(err, w)) {
						ok = true
					}
				}
				if !ok {
					badErrs.Store(b.name, err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if err := firstInnocent.Load(); err != nil {
		t.Errorf("%d of %d innocent publishes failed, first: %v", innocentFailed.Load(), publishers*each, err)
	}
	badErrs.Range(func(k, v any) bool {
		t.Errorf("bad publish %s: unexpected outcome %v", k, v)
		return true
	})
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("g", nil), mq.Group("g"))
	col.WaitDone(t, wait, want...)
}

// deleteExchange deletes an exchange with a plain AMQP client.
func deleteExchange(t *testing.T, name string) {
	t.Helper()
	conn, err := amqp.Dial(brokertest.AMQPURI(t))
	require.NoError(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	require.NoError(t, ch.ExchangeDelete(name, false, false))
}
