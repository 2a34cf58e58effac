package kafka

import (
	"crypto/tls"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// backend is the name the adapter registers and its options carry.
const backend = "kafka"

// Option is a Kafka-specific option, given with mq.DriverOption. Options of
// other backends are ignored by this adapter and this adapter's by others.
type Option interface {
	driver.Option
	kafkaOption()
}

type openOption interface {
	applyOpen(s *settings)
}

type partitionOpt int32

func (partitionOpt) Backend() string { return backend }
func (partitionOpt) kafkaOption()    {}

// Partition sends the published messages to partition n (Publish,
// PublishBatch, PublishAsync, PublishOneWay), bypassing the key hash, like
// sarama's ManualPartitioner. An n the topic lacks fails the publish.
func Partition(n int32) Option { return partitionOpt(n) }

type compressionOpt sarama.CompressionCodec

func (compressionOpt) Backend() string         { return backend }
func (compressionOpt) kafkaOption()            {}
func (o compressionOpt) applyOpen(s *settings) { s.compression = sarama.CompressionCodec(o) }

// Compression sets the producer's compression codec at mq.Open (like the URL
// parameter compression=gzip|snappy|lz4|zstd, which it overrides).
func Compression(c sarama.CompressionCodec) Option { return compressionOpt(c) }

type tlsOpt struct{ c *tls.Config }

func (tlsOpt) Backend() string         { return backend }
func (tlsOpt) kafkaOption()            {}
func (o tlsOpt) applyOpen(s *settings) { s.tls = o.c }

// TLS connects with c at mq.Open, instead of the tls_* URL parameters.
func TLS(c *tls.Config) Option { return tlsOpt{c} }

type partitionsOpt int32

func (partitionsOpt) Backend() string { return backend }
func (partitionsOpt) kafkaOption()    {}
func (o partitionsOpt) applyOpen(s *settings) {
	if o > 0 {
		s.partitions = int32(o)
	}
}

// DefaultPartitions sets at mq.Open how many partitions the topics the
// adapter creates get (like the URL parameter partitions=n).
func DefaultPartitions(n int32) Option { return partitionsOpt(n) }

// partitionFrom returns the explicit partition in opts, or -1.
func partitionFrom(opts []driver.Option) int32 {
	p := int32(-1)
	for _, o := range opts {
		if v, ok := o.(partitionOpt); ok {
			p = int32(v)
		}
	}
	return p
}
