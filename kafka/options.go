package kafka

import (
	"crypto/tls"
	"net"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// backend is the name the adapter registers and its options carry.
const backend = "kafka"

// Options of the kafka adapter are mq.Option values given with the portable
// ones, each accepted where its doc says (Open, Publish); given elsewhere it
// is an ErrInvalidOption. Other backends ignore them.

// option is the driver.Option value of every kafka option.
type option struct {
	partition   *int32 // WithPartition
	compression *sarama.CompressionCodec
	tls         *tls.Config
	partitions  int32  // WithDefaultPartitions, 0: not set
	dialer      Dialer // WithDialer
}

// Backend implements driver.Option.
func (*option) Backend() string { return backend }

// WithPartition sends the published messages to partition n (Publish,
// PublishBatch, PublishAsync, PublishOneWay, PublishTx), bypassing the key
// hash, like sarama's ManualPartitioner. An n the topic lacks fails the
// publish.
func WithPartition(n int32) mq.Option {
	return mq.AdapterOption("kafka.WithPartition", mq.ScopePublish, &option{partition: &n})
}

// WithCompression sets the producer's compression codec (Open), like the URL
// parameter compression=gzip|snappy|lz4|zstd, which it overrides.
func WithCompression(c sarama.CompressionCodec) mq.Option {
	return mq.AdapterOption("kafka.WithCompression", mq.ScopeOpen, &option{compression: &c})
}

// WithTLS connects with c (Open), instead of the tls_* URL parameters.
func WithTLS(c *tls.Config) mq.Option {
	return mq.AdapterOption("kafka.WithTLS", mq.ScopeOpen, &option{tls: c})
}

// WithDefaultPartitions sets how many partitions the topics the adapter
// creates get (Open), like the URL parameter partitions=n.
func WithDefaultPartitions(n int32) mq.Option {
	return mq.AdapterOption("kafka.WithDefaultPartitions", mq.ScopeOpen, &option{partitions: n})
}

// Dialer opens the client's connections to brokers (WithDialer); a
// golang.org/x/net/proxy.Dialer (SOCKS5) is one.
type Dialer interface {
	Dial(network, addr string) (net.Conn, error)
}

// WithDialer opens every connection to a broker, the bootstrap brokers' and
// the ones the cluster's metadata advertises, with d (Open): a SOCKS5 proxy
// (golang.org/x/net/proxy), a tunnel, or a test's cuttable network. TLS and
// SASL run over what d returns; the URL's dial_timeout does not apply (d
// bounds its own dials). It is sarama's Net.Proxy.
func WithDialer(d Dialer) mq.Option {
	return mq.AdapterOption("kafka.WithDialer", mq.ScopeOpen, &option{dialer: d})
}

// applyOpen applies the Open options among opts to s.
func applyOpen(s *settings, opts []driver.Option) {
	for _, o := range opts {
		k, ok := o.(*option)
		if !ok {
			continue
		}
		switch {
		case k.compression != nil:
			s.compression = *k.compression
		case k.tls != nil:
			s.tls = k.tls
		case k.partitions > 0:
			s.partitions = k.partitions
		case k.dialer != nil:
			s.dialer = k.dialer
		}
	}
}

// partitionFrom returns the explicit partition in opts, or -1.
func partitionFrom(opts []driver.Option) int32 {
	p := int32(-1)
	for _, o := range opts {
		if k, ok := o.(*option); ok && k.partition != nil {
			p = *k.partition
		}
	}
	return p
}
