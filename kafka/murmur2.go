package kafka

import "github.com/IBM/sarama"

// murmur2 is the 32-bit MurmurHash2 variant of the Java client
// (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c). The Java
// producer's default partitioner maps a key to
// (murmur2(key) & 0x7fffffff) % partitions; keyPartition does the same, so a
// key published by unimq lands on the partition a Java (or librdkafka
// "murmur2_random") producer would pick.
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	n4 := n / 4
	for i := 0; i < n4; i++ {
		j := i * 4
		k := uint32(data[j]) | uint32(data[j+1])<<8 | uint32(data[j+2])<<16 | uint32(data[j+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// keyPartition is the Java default partitioner's choice for a non-empty key.
func keyPartition(key []byte, partitions int32) int32 {
	return (murmur2(key) & 0x7fffffff) % partitions
}

// partitioner chooses the partition of every record the adapter produces:
// an explicit partition (kafka.Partition) wins, then the murmur2 hash of the
// key (Java-compatible), else a random partition for records without a key.
type partitioner struct {
	random sarama.Partitioner
}

func newPartitioner(topic string) sarama.Partitioner {
	return &partitioner{random: sarama.NewRandomPartitioner(topic)}
}

func (p *partitioner) Partition(msg *sarama.ProducerMessage, n int32) (int32, error) {
	if r, ok := msg.Metadata.(record); ok {
		if p := r.explicitPartition(); p >= 0 {
			if p >= n {
				return -1, sarama.ErrInvalidPartition
			}
			return p, nil
		}
	}
	if msg.Key == nil {
		return p.random.Partition(msg, n)
	}
	k, err := msg.Key.Encode()
	if err != nil {
		return -1, err
	}
	return keyPartition(k, n), nil
}

func (p *partitioner) RequiresConsistency() bool { return true }

// MessageRequiresConsistency lets keyless records go to any available
// partition while keyed and explicitly placed ones wait for theirs.
func (p *partitioner) MessageRequiresConsistency(msg *sarama.ProducerMessage) bool {
	if r, ok := msg.Metadata.(record); ok && r.explicitPartition() >= 0 {
		return true
	}
	return msg.Key != nil
}
