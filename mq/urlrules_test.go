package mq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// URLs that are not exactly well formed are refused with ErrInvalidOption,
// and neither the error nor anything else repeats their secrets.
func TestOpenRefusesMalformedURLsWithoutEchoingThem(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		url     string
		secrets []string
		why     string // part of the error
	}{
		{"amqp:admin:hunter2@127.0.0.2:5999/prod", []string{"hunter2", "admin", "127.0.0.2"}, "scheme://"},
		{"rocketmq:ak:sk-secret@h", []string{"sk-secret"}, "scheme://"},
		{"amqp:/user:pw-secret@host", []string{"pw-secret"}, "scheme://"},
		{"amqp//user:pw-secret@host", []string{"pw-secret", "amqp//"}, "no scheme"},
		{"ak-id:sk-secret@host", []string{"sk-secret", "ak-id"}, "scheme://"},
		{"fakemq://user:hunt#er2@host:5672/", []string{"hunt", "er2"}, "'#'"},
		{"fakemq://user:pa/ss-word@host:5672", []string{"pa/ss", "ss-word"}, "'@'"},
		{"fakemq://user:p@ss-word@host:5672", []string{"p@ss", "ss-word"}, "'@'"},
		{"fakemq://user:pw@host:5672/vh?x=1@2", []string{"pw"}, "'@'"},
		{"fakemq://h1:9092,h2?sasl_password=hunter2", []string{"hunter2", "sasl_password"}, "port"},
		{"fakemq://h:1?sasl_password=hunter2\nx", []string{"hunter2"}, "control"},
		{"fakemq://user:hunter2@host:5672/\r\nInjected: 1", []string{"hunter2", "Injected"}, "control"},
		{"fakemq://h:1?sasl_user=u;sasl_password=hunter2", []string{"hunter2"}, "'&'"},
		{"fakemq://host:", nil, "empty port"},
		{"fakemq://h1:1,h2:", nil, "empty port"},
		{"fakemq://h1:1,,h2:2", nil, "empty host"},
		{"fakemq://user:hunt%zzer@host", []string{"hunt", "zzer"}, "escape"},
		{"fakemq://us\xffer:pw@host", []string{"pw"}, "UTF-8"},
		{"", nil, "empty URL"},
	} {
		_, err := mq.Open(ctx, c.url)
		require.Error(t, err, c.url)
		assert.True(t, errors.Is(err, mq.ErrInvalidOption), "%q: %v", c.url, err)
		assert.Contains(t, err.Error(), c.why, "%q", c.url)
		for _, s := range c.secrets {
			assert.NotContains(t, err.Error(), s, "%q", c.url)
		}
	}
}

func TestOpenAcceptsWellFormedURLs(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{
		"fakemq://h",
		"fakemq://user:hunter%23%40%2F2@h:1/vh?mode=topic&sasl_password=s3cr%26et",
		"fakemq://h1:1,h2:2",
		"fakemq://h1:1;h2:2",
		"fakemq://[::1]:5672/",
		"fakemq://user@h",
	} {
		c, err := mq.Open(ctx, raw)
		require.NoError(t, err, raw)
		s := c.String()
		for _, secret := range []string{"hunter", "s3cr"} {
			assert.NotContains(t, s, secret, raw)
		}
		require.NoError(t, c.Close(ctx))
	}
}
