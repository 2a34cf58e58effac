package rocketmq

import (
	"hash/fnv"
	"sync/atomic"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// queueSelector picks the queue of a message: the explicit queue
// (driver.Message.Partition >= 0), else by the hash of the sharding key (so
// one key always lands in one queue and an orderly consumer sees publish
// order), else round robin. The hash is FNV-1a as in the client's
// NewHashQueueSelector, so a plain client using that selector with the same
// sharding key picks the same queue.
type queueSelector struct {
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
	if key := m.GetShardingKey(); key != "" {
		h := fnv.New32a()
		_, _ = h.Write([]byte(key))
		return mqs[int(h.Sum32()%uint32(len(mqs)))]
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
