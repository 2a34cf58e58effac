package kafka_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"os"
	"strings"
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

// TLS and SASL against the secured listeners scripts/brokers.sh runs next to
// PLAINTEXT 9092 (brokertest.KafkaSecure): SASL_PLAINTEXT with PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512; SSL requiring a client certificate;
// SASL_SSL. The broker's certificate is signed by a CA of the script's own.

// wrongPassword is distinctive, to check that errors never carry it.
const wrongPassword = "Wr0ng-Pa55word-x7"

// noLeaks checks, after every other cleanup of t (clients, subscribers),
// that no goroutine started during t is left.
func noLeaks(t *testing.T) {
	t.Helper()
	opts := append(append([]goleak.Option{}, globalGoroutines...), goleak.IgnoreCurrent())
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// kafkaURL is kafka://[user[:password]@]addr?q.
func kafkaURL(addr string, user *url.Userinfo, q url.Values) string {
	u := url.URL{Scheme: "kafka", Host: addr, User: user, RawQuery: q.Encode()}
	return u.String()
}

// openSecure opens u (within 30 s), closed at the end of the test, which
// fails if that Close does.
func openSecure(t *testing.T, u string, opts ...mq.Option) *mq.Client {
	t.Helper()
	return openURL(t, u, true, opts...)
}

// openFails opens u, which must fail (within 30 s) with code want; the
// error must never show secret.
func openFails(t *testing.T, u string, want error, secret string, opts ...mq.Option) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, u, opts...)
	if c != nil {
		_ = c.Close(ctx)
	}
	require.Error(t, err)
	require.ErrorIs(t, err, want, "%v", err)
	if secret != "" {
		require.NotContains(t, err.Error(), secret)
		require.NotContains(t, err.Error(), url.QueryEscape(secret))
	}
	t.Logf("as expected: %v", err)
	return err
}

// roundTrip publishes through c to a new topic and receives every message
// with a new consumer group reading from the oldest offset.
func roundTrip(t *testing.T, c *mq.Client) {
	t.Helper()
	topic := newTopic(t, c, "kafka-sec", 1)
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("sec", nil),
		mq.Group(mqtest.UniqueName("kafka-sec")), mq.StartFrom(mq.Oldest))
	ctx := ctxT(t)
	want := ids(topic, 3)
	for _, id := range want {
		require.NoError(t, c.Publish(ctx, topic, &mq.Message{ID: id, Key: id, Body: []byte("secured " + id)}))
	}
	col.WaitDone(t, wait, want...)
	for _, d := range col.Deliveries() {
		require.Equal(t, "secured "+d.Msg.ID, string(d.Msg.Body))
	}
}

func TestSecuritySASLRoundTrip(t *testing.T) {
	sec := brokertest.KafkaSecure(t)
	for _, tc := range []struct {
		name string
		user *url.Userinfo
		q    url.Values
	}{
		{"PLAIN", url.UserPassword(sec.User, sec.Password), url.Values{"sasl_mechanism": {"PLAIN"}}},
		{"SCRAM-SHA-256", url.UserPassword(sec.User, sec.Password), url.Values{"sasl_mechanism": {"SCRAM-SHA-256"}}},
		{"SCRAM-SHA-512", url.UserPassword(sec.User, sec.Password), url.Values{"sasl_mechanism": {"SCRAM-SHA-512"}}},
		// user and password as parameters instead of the URL's userinfo
		{"SCRAM-SHA-512 parameters", nil, url.Values{"sasl_mechanism": {"SCRAM-SHA-512"}, "sasl_user": {sec.User}, "sasl_password": {sec.Password}}},
		// a user without sasl_mechanism means PLAIN
		{"PLAIN by default", url.UserPassword(sec.User, sec.Password), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			c := openSecure(t, kafkaURL(sec.SASLAddr, tc.user, tc.q))
			require.NotContains(t, c.String(), sec.Password)
			roundTrip(t, c)
		})
	}
}

func TestSecuritySASLWrongCredentialsFail(t *testing.T) {
	sec := brokertest.KafkaSecure(t)
	for _, tc := range []struct {
		name string
		user *url.Userinfo
		q    url.Values
	}{
		{"PLAIN wrong password", url.UserPassword(sec.User, wrongPassword), url.Values{"sasl_mechanism": {"PLAIN"}}},
		{"SCRAM-SHA-256 wrong password", url.UserPassword(sec.User, wrongPassword), url.Values{"sasl_mechanism": {"SCRAM-SHA-256"}}},
		{"SCRAM-SHA-512 wrong password", url.UserPassword(sec.User, wrongPassword), url.Values{"sasl_mechanism": {"SCRAM-SHA-512"}}},
		{"SCRAM-SHA-512 wrong password parameter", nil, url.Values{"sasl_mechanism": {"SCRAM-SHA-512"}, "sasl_user": {sec.User}, "sasl_password": {wrongPassword}}},
		{"SCRAM-SHA-256 unknown user", url.UserPassword("unimq-nobody", wrongPassword), url.Values{"sasl_mechanism": {"SCRAM-SHA-256"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			err := openFails(t, kafkaURL(sec.SASLAddr, tc.user, tc.q), mq.ErrInvalidOption, wrongPassword)
			require.NotErrorIs(t, err, mq.ErrUnavailable, "retrying cannot help")
			require.ErrorIs(t, err, sarama.ErrSASLAuthenticationFailed)
			require.Contains(t, strings.ToLower(err.Error()), "authentication failed")
		})
	}
}

func TestSecurityTLS(t *testing.T) {
	sec := brokertest.KafkaSecure(t)
	mutual := url.Values{"tls_ca": {sec.CAFile}, "tls_cert": {sec.CertFile}, "tls_key": {sec.KeyFile}}
	with := func(q url.Values, k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range q {
			out[kk] = vv
		}
		out.Set(k, v)
		return out
	}

	t.Run("verified server and client certificates", func(t *testing.T) {
		noLeaks(t)
		roundTrip(t, openSecure(t, kafkaURL(sec.SSLAddr, nil, mutual)))
	})
	t.Run("tls_server_name", func(t *testing.T) {
		noLeaks(t)
		c := openSecure(t, kafkaURL(sec.SSLAddr, nil, with(mutual, "tls_server_name", "localhost")))
		require.NoError(t, c.Publish(ctxT(t), newTopic(t, c, "kafka-sec-name", 1), &mq.Message{Body: []byte("x")}))
	})
	t.Run("kafka.TLS option", func(t *testing.T) {
		noLeaks(t)
		pem, err := os.ReadFile(sec.CAFile)
		require.NoError(t, err)
		roots := x509.NewCertPool()
		require.True(t, roots.AppendCertsFromPEM(pem))
		cert, err := tls.LoadX509KeyPair(sec.CertFile, sec.KeyFile)
		require.NoError(t, err)
		cfg := &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c := openSecure(t, kafkaURL(sec.SSLAddr, nil, nil), kafka.WithTLS(cfg))
		require.NoError(t, c.Publish(ctxT(t), newTopic(t, c, "kafka-sec-opt", 1), &mq.Message{Body: []byte("x")}))
	})
	t.Run("server not trusted without tls_ca", func(t *testing.T) {
		noLeaks(t)
		q := url.Values{"tls": {"true"}, "tls_cert": {sec.CertFile}, "tls_key": {sec.KeyFile}}
		err := openFails(t, kafkaURL(sec.SSLAddr, nil, q), mq.ErrInvalidOption, "")
		var unknown x509.UnknownAuthorityError
		require.ErrorAs(t, err, &unknown)
		require.Contains(t, err.Error(), "certificate signed by unknown authority")
	})
	t.Run("server certificate for another name", func(t *testing.T) {
		noLeaks(t)
		err := openFails(t, kafkaURL(sec.SSLAddr, nil, with(mutual, "tls_server_name", "kafka.invalid")), mq.ErrInvalidOption, "")
		var hostname x509.HostnameError
		require.ErrorAs(t, err, &hostname)
	})
	t.Run("broker refuses a client without certificate", func(t *testing.T) {
		noLeaks(t)
		err := openFails(t, kafkaURL(sec.SSLAddr, nil, url.Values{"tls_ca": {sec.CAFile}}), mq.ErrInvalidOption, "")
		require.Contains(t, err.Error(), "certificate")
	})
}

func TestSecuritySASLOverTLS(t *testing.T) {
	sec := brokertest.KafkaSecure(t)
	ca := url.Values{"tls_ca": {sec.CAFile}}

	t.Run("SCRAM-SHA-512 round trip", func(t *testing.T) {
		noLeaks(t)
		q := url.Values{"tls_ca": {sec.CAFile}, "sasl_mechanism": {"SCRAM-SHA-512"}}
		c := openSecure(t, kafkaURL(sec.SASLSSLAddr, url.UserPassword(sec.User, sec.Password), q))
		require.NotContains(t, c.String(), sec.Password)
		roundTrip(t, c)
	})
	t.Run("PLAIN", func(t *testing.T) {
		noLeaks(t)
		c := openSecure(t, kafkaURL(sec.SASLSSLAddr, url.UserPassword(sec.User, sec.Password), ca))
		require.NoError(t, c.Publish(ctxT(t), newTopic(t, c, "kafka-sec-plain", 1), &mq.Message{Body: []byte("x")}))
	})
	t.Run("wrong password", func(t *testing.T) {
		noLeaks(t)
		q := url.Values{"tls_ca": {sec.CAFile}, "sasl_mechanism": {"SCRAM-SHA-256"}}
		err := openFails(t, kafkaURL(sec.SASLSSLAddr, url.UserPassword(sec.User, wrongPassword), q), mq.ErrInvalidOption, wrongPassword)
		require.ErrorIs(t, err, sarama.ErrSASLAuthenticationFailed)
	})
	t.Run("server not trusted without tls_ca", func(t *testing.T) {
		noLeaks(t)
		q := url.Values{"tls": {"true"}, "sasl_mechanism": {"SCRAM-SHA-512"}}
		// the TLS handshake fails first: the password is never sent, nor printed
		err := openFails(t, kafkaURL(sec.SASLSSLAddr, url.UserPassword(sec.User, sec.Password), q), mq.ErrInvalidOption, sec.Password)
		var unknown x509.UnknownAuthorityError
		require.ErrorAs(t, err, &unknown)
	})
}
