package rocketmq_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rocketmq"
)

// secureBroker returns the secured cluster of scripts/brokers.sh
// (rocketmq-acl: ACL 2.0 authentication), or skips in the -race parent.
func secureBroker(t *testing.T) brokertest.RocketMQACL {
	t.Helper()
	brokerURL(t) // skips in the -race parent process
	return brokertest.RocketMQSecure(t)
}

// The right keys work against a broker with ACL on: a round trip with the
// keys in the URL, and with rocketmq.WithCredentials. The secret appears in
// no log record (captured at Debug, the client's own lines included) and
// not in the client's String. (Not parallel: the client's logger is
// process-wide.)
func TestACLRightKeysRoundTrip(t *testing.T) {
	s := secureBroker(t)
	var buf brokertest.SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for name, open := range map[string]func(ctx context.Context) (*mq.Client, error){
		"url": func(ctx context.Context) (*mq.Client, error) {
			return mq.Open(ctx, withParams(s.URL, "access_key="+url.QueryEscape(s.AccessKey)+"&secret_key="+url.QueryEscape(s.SecretKey)), mq.WithLogger(log))
		},
		"option": func(ctx context.Context) (*mq.Client, error) {
			return mq.Open(ctx, s.URL, mq.WithLogger(log), rocketmq.WithCredentials(s.AccessKey, s.SecretKey))
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
			defer cancel()
			c, err := open(ctx)
			require.NoError(t, err)
			defer func() { require.NoError(t, c.Close(context.Background())) }()
			require.NotContains(t, c.String(), s.SecretKey)
			topic := mqtest.UniqueName("acl-rt")
			col := mqtest.NewCollector()
			sub, err := c.Subscribe(ctx, topic, col.Handler("s", nil), mq.Group(mqtest.UniqueName("g-acl")), mq.StartFrom(mq.Oldest))
			require.NoError(t, err)
			defer sub.Close(context.Background())
			m := &mq.Message{ID: mqtest.UniqueName("acl-m"), Key: "k-1", Tag: "T", Body: []byte("secured")}
			require.NoError(t, c.Publish(ctx, topic, m))
			col.WaitDone(t, wait, m.ID)
			require.Equal(t, "secured", string(col.Of(m.ID)[0].Msg.Body))
		})
	}
	out := buf.String()
	require.Contains(t, out, "component=rocketmq-client-go", "the client's logs were captured")
	require.NotContains(t, out, s.SecretKey, "the secret key reached a log record")
}

// Wrong or missing keys are refused at Open with ErrRejected (not
// ErrUnavailable: retrying cannot help), without echoing the secret, and
// nothing is created on the broker.
func TestACLWrongOrMissingKeysRefused(t *testing.T) {
	s := secureBroker(t)
	const wrong = "WRONG-secret-0815"
	var buf brokertest.SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for name, u := range map[string]string{
		"wrong secret":     withParams(s.URL, "access_key="+s.AccessKey+"&secret_key="+wrong),
		"unknown user":     withParams(s.URL, "access_key=nobody&secret_key="+wrong),
		"no keys":          s.URL,
		"wrong secret (@)": strings.Replace(s.URL, "rocketmq://", "rocketmq://"+s.AccessKey+":"+wrong+"@", 1),
	} {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		start := time.Now()
		c, err := mq.Open(ctx, u, mq.WithLogger(log))
		cancel()
		if err == nil {
			_ = c.Close(context.Background())
		}
		require.Error(t, err, name)
		require.True(t, errors.Is(err, mq.ErrRejected), "%s: %v", name, err)
		require.False(t, errors.Is(err, mq.ErrUnavailable), "%s: %v", name, err)
		require.NotContains(t, err.Error(), wrong, name)
		require.Less(t, time.Since(start), wait/2, "%s: refused at once, not after a wait", name)
	}
	require.NotContains(t, buf.String(), wrong)
}
