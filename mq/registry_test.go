package mq_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

func TestOpenUnknownSchemeNamesTheImport(t *testing.T) {
	_, err := mq.Open(context.Background(), "rocketmq://127.0.0.1:9876")
	if err == nil {
		t.Skip("rocketmq registered in this test binary")
	}
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), `import _ "github.com/unimq/unimq/rocketmq"`)

	_, err = mq.Open(context.Background(), "nats://x")
	require.True(t, errors.Is(err, mq.ErrInvalidOption))
	assert.Contains(t, err.Error(), `unknown URL scheme "nats"`)
}

func TestOpenMalformedURLHidesPassword(t *testing.T) {
	_, err := mq.Open(context.Background(), "amqp://user:s3cret@host:5672/%zz")
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.NotContains(t, err.Error(), "s3cret")

	_, err = mq.Open(context.Background(), "no-scheme-here")
	require.True(t, errors.Is(err, mq.ErrInvalidOption))
}

func TestOpenEnvRequiresURL(t *testing.T) {
	t.Setenv(mq.EnvURL, "")
	_, err := mq.OpenEnv(context.Background(), "")
	require.True(t, errors.Is(err, mq.ErrInvalidOption))
	assert.Contains(t, err.Error(), "MQ_URL")
}

func TestOpenCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := mq.Open(ctx, "nats://x")
	assert.True(t, errors.Is(err, mq.ErrCanceled), "%v", err)
}

func TestOptionScope(t *testing.T) {
	_, err := mq.Open(context.Background(), "nats://x", mq.Group("g"))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "option Group applies to Subscribe, Consumer, not Open")

	_, err = mq.Open(context.Background(), "nats://x", mq.MaxMessageSize(0))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)

	_, err = mq.Open(context.Background(), "nats://x", mq.Option{})
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
}

func TestRedact(t *testing.T) {
	u, err := url.Parse("amqp://guest:hunter2@127.0.0.1:5672/vh?mode=topic&secret_key=abc&sasl_password=p")
	require.NoError(t, err)
	s := kit.Redact(u)
	for _, secret := range []string{"hunter2", "abc", "=p"} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, s, "guest:xxxxx@")
	assert.Contains(t, s, "mode=topic")
}

func TestParams(t *testing.T) {
	q, _ := url.ParseQuery("partitions=3&wait=250ms&full=fail&on=true&extra=1")
	p := kit.NewParams("memory", q)
	assert.Equal(t, 3, p.Int("partitions", 1))
	assert.Equal(t, "fail", p.Enum("full", "block", "block", "fail"))
	assert.True(t, p.Bool("on", false))
	assert.Equal(t, "250ms", p.Duration("wait", 0).String())
	err := p.Err()
	require.True(t, errors.Is(err, mq.ErrInvalidOption))
	assert.Contains(t, err.Error(), "unknown URL parameter extra")

	q, _ = url.ParseQuery("partitions=-1&secret_key=zzz")
	p = kit.NewParams("memory", q)
	p.Int("partitions", 1)
	p.Int("secret_key", 0)
	err = p.Err()
	require.True(t, errors.Is(err, mq.ErrInvalidOption))
	assert.Contains(t, err.Error(), "partitions")

	q, _ = url.ParseQuery("secret_key=zzz")
	p = kit.NewParams("x", q)
	p.Int("secret_key", 0)
	assert.False(t, strings.Contains(p.Err().Error(), "zzz"))
}

func TestCapabilityString(t *testing.T) {
	assert.Equal(t, "none", driver.Capability(0).String())
	assert.Equal(t, "sync-publish|delay", (mq.CapSyncPublish | mq.CapDelay).String())
	caps := mq.Capabilities{Features: mq.CapSyncPublish | mq.CapBatch}
	assert.True(t, caps.Has(mq.CapBatch))
	assert.False(t, caps.Has(mq.CapBatch|mq.CapDelay))
	assert.Equal(t, mq.CapDelay, caps.Missing(mq.CapBatch|mq.CapDelay))
}
