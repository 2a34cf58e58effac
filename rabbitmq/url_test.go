package rabbitmq_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rabbitmq"
)

func TestURLErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{
		"amqp://u:s3cret@127.0.0.1:5672/?bogus=1",
		"amqp://u:s3cret@127.0.0.1:5672/?mode=queue",
		"amqp://u:s3cret@127.0.0.1:5672/?heartbeat=often",
		"amqp://u:s3cret@127.0.0.1:5672/?tls_ca=/x.pem",
		"amqps://u:s3cret@127.0.0.1:5671/?tls_ca=/does/not/exist.pem",
		"amqps://u:s3cret@127.0.0.1:5671/?tls_cert=/c.pem",
		"amqp://u:s3cret@127.0.0.1:5672/?channels=0",
	} {
		_, err := mq.Open(ctx, u)
		require.ErrorIs(t, err, mq.ErrInvalidOption, u)
		require.NotContains(t, err.Error(), "s3cret", u)
	}
	// Not exactly well formed: refused before any connection, naming the
	// problem, never quoting the secret or what could be part of it.
	for _, u := range []string{
		"amqp:admin:hunter2@127.0.0.2:5999/prod",    // opaque: amqp091 would connect to localhost as guest
		"amqp:/admin:hunter2@127.0.0.2:5999/prod",   // no host
		"amqp:///admin:hunter2@127.0.0.2:5999/prod", // no host
		"amqp://admin:12345678#hunter2@127.0.0.2/",  // unescaped '#' in the password
		"amqp://admin:hunter2@127.0.0.2:/",          // empty port
		"amqp://admin:hunter2@127.0.0.2:0/",         // port 0
		"amqp://admin:hunter2@127.0.0.2:99999/",     // port out of range
		"amqp://admin/hunter2:x@127.0.0.2/",         // unescaped '/' in the user
		"amqp://admin?x:hunter2@127.0.0.2/",         // unescaped '?' in the user
		"amqp://:hunter2@127.0.0.2/",                // empty user
		"amqp://admin:hunter2@127.0.0.2/?heartbeat=1s;channels=2",
	} {
		_, err := mq.Open(ctx, u)
		require.ErrorIs(t, err, mq.ErrInvalidOption, u)
		require.NotContains(t, err.Error(), "hunter2", u)
		require.Contains(t, strings.ToLower(err.Error()), "malformed", u) // mq.Open or the adapter names the problem
	}
	// Unreachable: unavailable, password redacted.
	_, err := mq.Open(ctx, "amqp://u:s3cret@127.0.0.1:1/?connect_timeout=1s")
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.NotContains(t, err.Error(), "s3cret")
	require.True(t, strings.Contains(err.Error(), "xxxxx"), err.Error())
	_, err = mq.Open(ctx, "amqp://u:s3cret@127.0.0.1:1/", rabbitmq.WithTLS(nil))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}

func TestModesByOption(t *testing.T) {
	topic := unique("opt")
	// TopicMode at Open: this topic is a simple queue, everything else topic.
	c := open(t, "", rabbitmq.WithTopicMode(topic, rabbitmq.Simple))
	require.True(t, c.Capabilities().Has(mq.CapBroadcast), "the default mode stays topic")
	_, err := c.Subscribe(ctxT(t), topic, mqtest.NewCollector().Handler("b", nil), mq.Broadcast())
	require.ErrorIs(t, err, mq.ErrUnsupported, "no broadcast on a queue")

	// A per-call WithMode wins over TopicMode.
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("fan", nil), mq.Broadcast(), rabbitmq.WithMode(rabbitmq.Fanout))
	other := unique("opt-other")
	_, err = c.Subscribe(ctxT(t), topic, col.Handler("x", nil), mq.Group("g"), rabbitmq.WithMode(rabbitmq.Direct))
	require.ErrorIs(t, err, mq.ErrInvalidOption, "the exchange exists as fanout")
	require.NoError(t, c.Publish(ctxT(t), topic, msg("m", "", "x"), rabbitmq.WithMode(rabbitmq.Fanout)))
	col.WaitDone(t, wait, "m")

	// Simple mode from the URL: caps say so.
	s := open(t, "mode=simple&heartbeat=5s&connection_name=test&channels=2")
	caps := s.Capabilities()
	require.True(t, caps.Has(mq.CapStartOldest))
	require.False(t, caps.Has(mq.CapGroups|mq.CapBroadcast))
	require.NoError(t, s.Publish(ctxT(t), other, msg("q", "", "x"), rabbitmq.WithTransient()))

	var conn *amqp.Connection
	require.True(t, c.As(&conn))
	require.False(t, conn.IsClosed())
}

func TestShortStringLimits(t *testing.T) {
	c := open(t, "")
	topic := unique("limits")
	long := strings.Repeat("x", 256)
	for _, m := range []*mq.Message{
		{Tag: long, Body: []byte("x")},
		{ID: long, Body: []byte("x")},
		{Headers: map[string]string{long: "v"}, Body: []byte("x")},
		{Headers: map[string]string{"content-type": long}, Body: []byte("x")},
	} {
		require.ErrorIs(t, c.Publish(ctxT(t), topic, m), mq.ErrInvalidArgument)
	}
}

// A password the broker refuses is not ErrUnavailable: retrying cannot help.
func TestWrongPasswordIsInvalidOption(t *testing.T) {
	u, err := url.Parse(brokertest.AMQPURI(t))
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), "wrong-hunter2")
	_, err = mq.Open(ctxT(t), u.String())
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.NotContains(t, err.Error(), "hunter2")
	require.Contains(t, err.Error(), "refused the user name or password")
}
