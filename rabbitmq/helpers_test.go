package rabbitmq_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
)

var nameSeq atomic.Int64

// unique returns a topic name no other test run uses.
func unique(prefix string) string {
	return fmt.Sprintf("unimq-rmq-%s-%s-%d", prefix, strconv.FormatInt(time.Now().UnixNano()%1e9, 36), nameSeq.Add(1))
}

// withParams appends query parameters to the broker URL.
func withParams(u, params string) string {
	if params == "" {
		return u
	}
	return u + "?" + params
}

// open opens a client on the test broker, closed at the end of the test.
func open(t testing.TB, params string, opts ...mq.Option) *mq.Client {
	t.Helper()
	return openURL(t, withParams(brokertest.AMQPURL(t), params), opts...)
}

func openURL(t testing.TB, url string, opts ...mq.Option) *mq.Client {
	t.Helper()
	c, err := mq.Open(ctxT(t), url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil && mq.CodeOf(err) != mq.ErrClosed.Code {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// subscribe: see brokertest.Subscribe.
var subscribe = brokertest.Subscribe

func publish(t testing.TB, c *mq.Client, topic string, ms ...*mq.Message) {
	t.Helper()
	for _, m := range ms {
		require.NoError(t, c.Publish(ctxT(t), topic, m))
	}
}

func msg(id, tag, body string) *mq.Message {
	return &mq.Message{ID: id, Tag: tag, Body: []byte(body)}
}
