package rocketmq

import (
	"sync/atomic"
	"unicode/utf16"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/unimq/unimq/mq/driver/kit"
)

// Queue selectors of keyed messages (URL parameter selector=).
const (
	// selectorJava hashes the key as the Java client's
	// SelectMessageQueueByHash does with a String argument:
	// abs(key.hashCode() % queues), Java's String.hashCode over the key's
	// UTF-16 code units. The default: Java is RocketMQ's reference
	// client, so Java and unimq producers of one key pick the same queue
	// and keep that key's order between them.
	selectorJava = "java"
	// selectorFNV hashes the key with FNV-1a, as rocketmq-client-go's
	// NewHashQueueSelector (and unimq before the Java selector) does.
	selectorFNV = "fnv"
)

// queueSelector picks the queue of a message: the explicit queue
// (driver.Message.Partition >= 0), else by the hash of the sharding key (so
// one key always lands in one queue and an orderly consumer sees publish
// order), else round robin.
type queueSelector struct {
	fnv  bool // selectorFNV, else selectorJava
	next atomic.Uint32
}

func (s *queueSelector) Select(m *primitive.Message, mqs []*primitive.MessageQueue, lastBroker string) *primitive.MessageQueue {
	if len(mqs) == 0 {
		return nil
	}
	if q := m.Queue; q != nil {
		for _, mq := range mqs {
			if mq.QueueId == q.QueueId && (q.BrokerName == "" || q.BrokerName == mq.BrokerName) {
				return mq
			}
		}
		return mqs[q.QueueId%len(mqs)]
	}
	if key := m.GetProperty(propShardingKey); key != "" {
		if s.fnv {
			return mqs[fnvIndex(key, len(mqs))]
		}
		return mqs[javaIndex(key, len(mqs))]
	}
	n := int(s.next.Add(1) % uint32(len(mqs)))
	if lastBroker != "" {
		for i := 0; i < len(mqs); i++ {
			if mq := mqs[(n+i)%len(mqs)]; mq.BrokerName != lastBroker {
				return mq
			}
		}
	}
	return mqs[n]
}

func fnvIndex(key string, n int) int {
	return int(kit.FNV1a(key) % uint32(n))
}

// javaIndex is SelectMessageQueueByHash.select of the Java client for a
// String key: value = key.hashCode() % n; if value < 0, value =
// Math.abs(value).
func javaIndex(key string, n int) int {
	v := javaStringHash(key) % int32(n)
	if v < 0 {
		v = -v
	}
	return int(v)
}

// javaStringHash is Java's String.hashCode: s[0]*31^(len-1) + ... + s[len-1]
// over the string's UTF-16 code units, in 32-bit two's complement
// arithmetic. (Keys are valid UTF-8, checked by checkMessage.)
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			h = 31*h + r2
			continue
		}
		h = 31*h + r
	}
	return h
}
