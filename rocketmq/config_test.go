package rocketmq

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// Malformed rocketmq URLs are refused with ErrInvalidOption, and the error
// quotes no part of the URL that could be a secret.
func TestParseURLMalformedNeverEchoesSecrets(t *testing.T) {
	for _, raw := range []string{
		"rocketmq:ak:HUNTER2@h",                                // no "//": all opaque
		"rocketmq:/ak:HUNTER2@h",                               // no host, the rest is a path
		"rocketmq:///ak:HUNTER2@h",                             // empty host
		"rocketmq://ak:HUNTER2@h:9876/x",                       // a path
		"rocketmq://ak:HUN#TER2@h:9876",                        // unescaped '#'
		"rocketmq://h:9876?access_key=ak&secret_key=HUN#TER2",  // '#' in a query secret
		"rocketmq://h:9876?access_key=ak;secret_key=HUNTER2",   // ';' separator
		"rocketmq://h:9876?access_key=ak&secret_key=HUN&TER2",  // unescaped '&' in a secret
		"rocketmq://ak:HUNTER2@h:",                             // empty port
		"rocketmq://ak:HUNTER2@h:0",                            // port 0
		"rocketmq://ak:HUNTER2@h:99999",                        // port out of range
		"rocketmq://ak:HUNTER2@h:9876;;h2:9876",                // an empty address
		"rocketmq://ak:HUNTER2@h:9876;HUNTER2:x",               // a bad address
		"rocketmq://h:9876?secret_key=HUNTER2",                 // secret without access key
		"rocketmq://ak:HUNTER2@h:9876?HUNTER2=1",               // unknown parameter in a URL with a secret
		"rocketmq://h:9876?security_token=HUNTER2&HUNTER2=1",   // the same, secret in the query
		"rocketmq://h:9876?access_key=a&secret_key=b&queues=0", // a value out of range
		"rocketmq://h:9876?group=g%01PGROUP%02x",               // a producer group with property separators
		"rocketmq://h:9876?group=has.dot",                      // not a RocketMQ group name
	} {
		u, err := url.Parse(raw)
		if err != nil {
			continue // mq.Open refuses it before the adapter sees it
		}
		_, err = parseURL(u)
		require.Error(t, err, raw)
		require.True(t, errors.Is(err, driver.ErrInvalidOption), "%s: %v", raw, err)
		require.NotContains(t, err.Error(), "HUNTER2", raw)
		require.NotContains(t, err.Error(), "TER2", raw)
	}
	// Without a secret, an unknown parameter is named.
	u, _ := url.Parse("rocketmq://h:9876?bogus=1")
	_, err := parseURL(u)
	require.ErrorContains(t, err, "bogus")
}

// FuzzParseURL: for any URL text holding a secret, parseURL neither panics
// nor puts the secret in its error, and a URL it accepts prints (redacted)
// without the secret.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"rocketmq://127.0.0.1:9876",
		"rocketmq://ak:SECRET@h:9876?group=g",
		"rocketmq:ak:SECRET@h",
		"rocketmq://h1:9876;h2:9876?access_key=ak&secret_key=SECRET",
		"rocketmq://h:9876?access_key=ak&secret_key=SE#CRET",
		"rocketmq://h:9876?access_key=ak;secret_key=SECRET",
		"rocketmq://h:?security_token=SECRET",
		"rocketmq://[::1]:9876?access_key=ak&secret_key=SECRET&retries=3&delay=levels&selector=fnv",
		"rocketmq://ak:SECRET@h:9876?SECRET=1",
	} {
		f.Add(s)
	}
	const secret = "Zq9hunter2Xk"
	f.Fuzz(func(t *testing.T, raw string) {
		raw = strings.ReplaceAll(raw, "SECRET", secret)
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		c, err := parseURL(u)
		if err != nil {
			require.True(t, errors.Is(err, driver.ErrInvalidOption), "%v", err)
			require.NotContains(t, err.Error(), secret)
			require.NotContains(t, err.Error(), secret[2:8], "a piece of the secret")
			return
		}
		// Accepted: the secret may only be where the printed form shows
		// public parts (host, access key, plain parameter values).
		public := u.Host
		if u.User != nil {
			public += " " + u.User.Username()
		}
		for k, vs := range u.Query() {
			if k != "secret_key" && k != "security_token" {
				public += " " + k + "=" + strings.Join(vs, ",")
			}
		}
		if strings.Contains(public, secret) {
			return
		}
		require.NotContains(t, kit.Redact(u), secret)
		require.NotEmpty(t, c.nameServers)
		for _, a := range c.nameServers {
			require.Empty(t, checkAddr(a))
		}
	})
}
