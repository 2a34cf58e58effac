package rabbitmq_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
)

// amqpsURL is the URL of the broker's AMQPS listener with params.
func amqpsURL(s brokertest.AMQPTLS, params string) string {
	return "amqps://" + s.User + "@" + s.Addr + "/?" + params
}

func tlsParams(files ...string) string {
	names := []string{"tls_ca", "tls_cert", "tls_key"}
	var p []string
	for i, f := range files {
		if f != "" {
			p = append(p, names[i]+"="+url.QueryEscape(f))
		}
	}
	return strings.Join(append(p, "connect_timeout=5s"), "&")
}

// noSecret checks that neither the password nor key material shows in s.
func noSecret(t *testing.T, s brokertest.AMQPTLS, text string) {
	t.Helper()
	_, pw, _ := strings.Cut(s.User, ":")
	require.NotContains(t, text, ":"+pw+"@")
	require.NotContains(t, text, "PRIVATE KEY")
	require.NotContains(t, text, s.KeyFile)
}

// The real RabbitMQ TLS listener of scripts/brokers.sh (verify_peer,
// fail_if_no_peer_cert): a client certificate of the CA gets a round trip;
// no client certificate, or a server the client does not trust, is refused
// with ErrInvalidOption (retrying cannot help), without secrets.
func TestBrokerTLSListener(t *testing.T) {
	s := brokertest.AMQPSecure(t)

	c := openURL(t, amqpsURL(s, tlsParams(s.CAFile, s.CertFile, s.KeyFile)))
	noSecret(t, s, c.String())
	topic := unique("broker-tls")
	require.NoError(t, c.Declare(ctxT(t), topic, "g"))
	publish(t, c, topic, msg("over-amqps", "a", "x"))
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("g", nil), mq.Group("g"))
	exactlyOnce(t, col, "over-amqps")

	// The listener requires a client certificate.
	_, err := mq.Open(ctxT(t), amqpsURL(s, tlsParams(s.CAFile)))
	require.ErrorIs(t, err, mq.ErrInvalidOption, "no client certificate")
	noSecret(t, s, err.Error())

	// The client does not trust a server certificate of another CA (the
	// system roots here).
	_, err = mq.Open(ctxT(t), amqpsURL(s, tlsParams("", s.CertFile, s.KeyFile)))
	require.ErrorIs(t, err, mq.ErrInvalidOption, "untrusted server")
	noSecret(t, s, err.Error())

	// A client certificate of another CA is refused by the broker.
	other := newPKI(t)
	_, err = mq.Open(ctxT(t), amqpsURL(s, tlsParams(s.CAFile, other.clientCert, other.clientKey)))
	require.ErrorIs(t, err, mq.ErrInvalidOption, "client certificate of another CA")
	noSecret(t, s, err.Error())

	// TLS spoken to the plain AMQP port: not retryable either.
	plain, err := url.Parse(brokertest.AMQPURI(t))
	require.NoError(t, err)
	_, err = mq.Open(ctxT(t), "amqps://"+s.User+"@"+plain.Host+"/?"+tlsParams(s.CAFile, s.CertFile, s.KeyFile))
	require.ErrorIs(t, err, mq.ErrInvalidOption, "amqps to the plain port")
	noSecret(t, s, err.Error())
}
