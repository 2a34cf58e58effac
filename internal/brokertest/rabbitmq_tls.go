package brokertest

import "testing"

// Environment variables for the RabbitMQ TLS listener, and their defaults (scripts/brokers.sh).
const (
	EnvAMQPTLSAddr = "UNIMQ_AMQP_TLS_ADDR" // AMQPS listener (client certificate required)
	EnvAMQPTLSDir  = "UNIMQ_AMQP_TLS_DIR"  // ca.pem, client-cert.pem, client-key.pem
	EnvAMQPTLSUser = "UNIMQ_AMQP_TLS_USER" // user:password for the AMQPS listener

	DefaultAMQPTLSAddr = "127.0.0.1:5671"
	DefaultAMQPTLSUser = "guest:guest"
)

// AMQPTLS is where and how to reach the TLS listener of the test RabbitMQ.
//
// scripts/brokers.sh runs it next to AMQP 127.0.0.1:5672: AMQPS on 5671 with verify_peer and
// fail_if_no_peer_cert, so a client must present a certificate signed by the throw-away CA the
// script writes to .brokers/rabbitmq/tls/ (UNIMQ_AMQP_TLS_DIR). The server certificate is for
// 127.0.0.1 and localhost. Authentication stays user/password (PLAIN) over TLS.
type AMQPTLS struct {
	Addr     string // host:port of the AMQPS listener
	User     string // user:password
	CAFile   string // PEM: the CA that signed the broker's (and the client's) certificate
	CertFile string // PEM: a client certificate the listener accepts
	KeyFile  string // PEM: its key
}

// AMQPSecure returns the TLS listener once it answers and the TLS files exist; otherwise it
// skips t, or fails it when UNIMQ_REQUIRE_BROKERS=1, like AMQPURL.
func AMQPSecure(t testing.TB) AMQPTLS {
	t.Helper()
	files := findTLSFiles(t, "rabbitmq", EnvAMQPTLSDir)
	s := AMQPTLS{
		Addr:     env(EnvAMQPTLSAddr, DefaultAMQPTLSAddr),
		User:     env(EnvAMQPTLSUser, DefaultAMQPTLSUser),
		CAFile:   files.CA,
		CertFile: files.Cert,
		KeyFile:  files.Key,
	}
	need(t, "rabbitmq", s.Addr)
	return s
}
