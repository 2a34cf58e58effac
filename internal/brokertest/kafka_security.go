package brokertest

import "testing"

// Environment variables for the secured Kafka listeners, and their defaults (the fixed test
// values of scripts/brokers.sh).
const (
	EnvKafkaSASLAddr    = "UNIMQ_KAFKA_SASL_ADDR"     // SASL_PLAINTEXT listener
	EnvKafkaSSLAddr     = "UNIMQ_KAFKA_SSL_ADDR"      // SSL listener (client certificate required)
	EnvKafkaSASLSSLAddr = "UNIMQ_KAFKA_SASL_SSL_ADDR" // SASL_SSL listener
	EnvKafkaSASLUser    = "UNIMQ_KAFKA_SASL_USER"
	EnvKafkaSASLPass    = "UNIMQ_KAFKA_SASL_PASSWORD"
	EnvKafkaTLSDir      = "UNIMQ_KAFKA_TLS_DIR" // ca.pem, client-cert.pem, client-key.pem

	DefaultKafkaSASLAddr    = "127.0.0.1:9094"
	DefaultKafkaSSLAddr     = "127.0.0.1:9095"
	DefaultKafkaSASLSSLAddr = "127.0.0.1:9096"
	DefaultKafkaSASLUser    = "unimq"
	DefaultKafkaSASLPass    = "unimq-secret"
)

// KafkaSecurity is where and how to reach the secured listeners of the test Kafka.
//
// scripts/brokers.sh runs them next to PLAINTEXT 127.0.0.1:9092: SASL_PLAINTEXT on 9094 and
// SASL_SSL on 9096, both with the mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for one user,
// and SSL on 9095, which requires a client certificate. The broker's certificate (for 127.0.0.1
// and localhost) and the client's are signed by a throw-away CA the script writes to
// .brokers/kafka/tls/ (UNIMQ_KAFKA_TLS_DIR).
type KafkaSecurity struct {
	SASLAddr    string // host:port of the SASL_PLAINTEXT listener
	SSLAddr     string // host:port of the SSL listener (mutual TLS)
	SASLSSLAddr string // host:port of the SASL_SSL listener (TLS with a server certificate only)
	User        string // SASL user, for every mechanism
	Password    string
	CAFile      string // PEM: the CA that signed the broker's (and the client's) certificate
	CertFile    string // PEM: a client certificate the SSL listener accepts
	KeyFile     string // PEM: its key
}

// KafkaSecure returns the secured listeners once each answers and the TLS files exist; otherwise
// it skips t, or fails it when UNIMQ_REQUIRE_BROKERS=1, like KafkaURL.
func KafkaSecure(t testing.TB) KafkaSecurity {
	t.Helper()
	files := findTLSFiles(t, "kafka", EnvKafkaTLSDir)
	s := KafkaSecurity{
		SASLAddr:    env(EnvKafkaSASLAddr, DefaultKafkaSASLAddr),
		SSLAddr:     env(EnvKafkaSSLAddr, DefaultKafkaSSLAddr),
		SASLSSLAddr: env(EnvKafkaSASLSSLAddr, DefaultKafkaSASLSSLAddr),
		User:        env(EnvKafkaSASLUser, DefaultKafkaSASLUser),
		Password:    env(EnvKafkaSASLPass, DefaultKafkaSASLPass),
		CAFile:      files.CA,
		CertFile:    files.Cert,
		KeyFile:     files.Key,
	}
	need(t, "kafka", s.SASLAddr, s.SSLAddr, s.SASLSSLAddr)
	return s
}
