package memory_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var brokerSeq atomic.Int64

// uniqueURL returns the URL of a fresh named broker with extra query params.
func uniqueURL(t testing.TB, params string) string {
	t.Helper()
	u := "memory://t" + time.Now().Format("150405") + "-" + itoa(brokerSeq.Add(1))
	if params != "" {
		u += "?" + params
	}
	return u
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// open opens a client on url, closed at the end of the test.
func open(t testing.TB, url string, opts ...mq.Option) *mq.Client {
	t.Helper()
	c, err := mq.Open(context.Background(), url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil && !errorsIsClosed(err) {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func errorsIsClosed(err error) bool { return mq.CodeOf(err) == mq.ErrClosed.Code }

func brokerOf(t testing.TB, c *mq.Client) *memory.Broker {
	t.Helper()
	var b *memory.Broker
	require.True(t, c.As(&b))
	return b
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recv pulls n messages from k within the test deadline.
func recv(t testing.TB, k *mq.Consumer, n int) []*mq.Message {
	t.Helper()
	ctx := ctxT(t)
	var out []*mq.Message
	for len(out) < n {
		ms, err := k.Receive(ctx, n-len(out), 0)
		require.NoError(t, err)
		out = append(out, ms...)
	}
	return out
}

// quiet asserts k receives nothing within d.
func quiet(t testing.TB, k *mq.Consumer, d time.Duration) {
	t.Helper()
	ms, err := k.Receive(ctxT(t), 10, d)
	require.NoError(t, err)
	require.Empty(t, ms, "unexpected delivery")
}

func pub(t testing.TB, c *mq.Client, topic string, ms ...*mq.Message) {
	t.Helper()
	for _, m := range ms {
		require.NoError(t, c.Publish(ctxT(t), topic, m))
	}
}

func bodies(ms []*mq.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Body)
	}
	return out
}

// quietUnit scales the windows in which tests watch for deliveries that
// must not happen.
const quietUnit = time.Millisecond
