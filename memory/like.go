package memory

import (
	"sort"
	"strings"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Like names the backend whose capabilities and limits a memory broker
// applies (URL parameter like=, Config.Like), so that a unit test on memory
// fails where production on that broker would:
//
//	like      topic names            max message   features it lacks (ErrUnsupported)
//	kafka     driver.KafkaTopics     1,000,000 B   delay, tx check-back (unknown rolls back),
//	                                               broker-side tag and pattern filters
//	rabbitmq  driver.AMQPTopics      16 MiB        transactions, start oldest / at a time,
//	                                               partitions; delay at most 24 days;
//	                                               publishing where no group would get the
//	                                               message is ErrUnroutable
//	rocketmq  driver.RocketMQTopics  4 MiB         broker-side pattern filters; delay at most 72 h
//
// Each profile is the default-URL Capabilities of that adapter (RabbitMQ in
// its default topic mode, Kafka with transactions, RocketMQ with timer
// delays), kept equal to them by a test in package all.
type Like string

// The backends memory can behave like.
const (
	LikeNone     Like = ""
	LikeKafka    Like = "kafka"
	LikeRabbitMQ Like = "rabbitmq"
	LikeRocketMQ Like = "rocketmq"
)

// profiles are the capabilities each Like declares; MaxMessageSize is the
// default maxsize of a broker created with it.
var profiles = map[Like]driver.Capabilities{
	LikeNone: {Features: features, Topics: driver.BaseTopics},
	LikeKafka: {
		Features: driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
			driver.CapTransactions | driver.CapOrdered | driver.CapGroups | driver.CapBroadcast |
			driver.CapStartOldest | driver.CapStartTime | driver.CapDeadLetter | driver.CapPull |
			driver.CapPartitions | driver.CapReconnect | driver.CapRedeliveryDelay,
		MaxMessageSize: 1000000, // the broker's default message.max.bytes
		Topics:         driver.KafkaTopics,
	},
	LikeRabbitMQ: {
		Features: driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
			driver.CapDelay | driver.CapOrdered | driver.CapDeadLetter | driver.CapPull |
			driver.CapReconnect | driver.CapRedeliveryDelay | driver.CapGroups | driver.CapBroadcast |
			driver.CapTagFilter | driver.CapPatternFilter,
		MaxMessageSize: 16 << 20,
		MaxDelay:       24 * 24 * time.Hour,
		Topics:         driver.AMQPTopics,
	},
	LikeRocketMQ: {
		Features: driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
			driver.CapDelay | driver.CapTransactions | driver.CapTxCheckBack | driver.CapOrdered |
			driver.CapGroups | driver.CapBroadcast | driver.CapTagFilter |
			driver.CapStartOldest | driver.CapStartTime | driver.CapDeadLetter | driver.CapPull |
			driver.CapPartitions | driver.CapReconnect | driver.CapRedeliveryDelay,
		MaxMessageSize: 4 << 20,
		MaxDelay:       72 * time.Hour,
		Topics:         driver.RocketMQTopics,
	},
}

func likeNames() string {
	var s []string
	for l := range profiles {
		if l != LikeNone {
			s = append(s, string(l))
		}
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// capabilities are what the broker declares: its Like's profile with the
// broker's maxsize.
func (b *Broker) capabilities() driver.Capabilities {
	c := profiles[b.cfg.Like]
	c.Backend = Scheme
	c.MaxMessageSize = b.cfg.MaxMessageSize
	return c
}

// has reports whether the broker's profile has every capability of c.
func (b *Broker) has(c driver.Capability) bool { return profiles[b.cfg.Like].Features&c == c }

func (b *Broker) unsupported(op string, c driver.Capability) error {
	return driver.Errorf(driver.CodeUnsupported, op, "broker like=%s lacks %s", b.cfg.Like, c)
}

// checkSend refuses what the profile lacks: delayed messages without
// CapDelay, or beyond MaxDelay.
func (b *Broker) checkSend(op string, msgs []*driver.Message) error {
	if b.cfg.Like == LikeNone {
		return nil
	}
	maxDelay := profiles[b.cfg.Like].MaxDelay
	var now time.Time
	for _, m := range msgs {
		if m.DeliverAt.IsZero() {
			continue
		}
		if !b.has(driver.CapDelay) {
			return b.unsupported(op, driver.CapDelay)
		}
		if maxDelay > 0 {
			if now.IsZero() {
				now = time.Now()
			}
			if d := m.DeliverAt.Sub(now); d > maxDelay {
				return driver.Errorf(driver.CodeUnsupported, op, "delay %v exceeds the maximum %v of like=%s", d.Round(time.Millisecond), maxDelay, b.cfg.Like)
			}
		}
	}
	return nil
}

// checkSubscribe refuses the subscription features the profile lacks.
func (b *Broker) checkSubscribe(op string, cfg *driver.SubscriptionConfig) error {
	need := cfg.Needs()
	if !b.has(need) {
		return b.unsupported(op, need&^profiles[b.cfg.Like].Features)
	}
	return nil
}

// namedTopic returns the topic a caller names, creating it when its name
// follows the profile's topic rule (topics memory creates itself, such as
// dead-letter topics, are not checked; a topic that exists passed the rule
// when it was created). It returns a CodeClosed error once the broker was
// discarded.
func (b *Broker) namedTopic(op, name string) (*topic, error) {
	b.mu.RLock()
	t := b.topics[name]
	b.mu.RUnlock()
	if t == nil {
		if err := profiles[b.cfg.Like].Topics.Check(op, "topic", name); err != nil {
			return nil, err
		}
		t = b.topic(name)
	}
	if t == nil {
		return nil, driver.Errorf(driver.CodeClosed, op, "broker discarded")
	}
	return t, nil
}
