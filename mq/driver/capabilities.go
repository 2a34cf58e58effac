package driver

import (
	"strings"
	"time"
)

// Capability is one feature a backend may have. Capabilities are declared by
// the driver and checked by mq before anything is sent, so a missing feature
// gives ErrUnsupported instead of a silent fallback.
type Capability uint64

// Capabilities.
const (
	CapSyncPublish     Capability = 1 << iota // Publish returns after the broker confirmed
	CapAsyncPublish                           // PublishAsync with callback
	CapOneWay                                 // PublishOneWay, no confirmation (lossy)
	CapBatch                                  // PublishBatch in one round trip
	CapDelay                                  // Delay / DeliverAt honoured
	CapTransactions                           // PublishTx commit / rollback
	CapTxCheckBack                            // unknown outcome resolved by a checker
	CapOrdered                                // per-key order for Ordered subscribers
	CapGroups                                 // competing consumers in a group, all groups get all
	CapBroadcast                              // every subscriber instance gets every message
	CapTagFilter                              // tag expressions ("a || b") filtered by the broker; mq filters client-side anyway
	CapPatternFilter                          // "*"/"#" tag patterns filtered by the broker; mq filters client-side anyway
	CapStartOldest                            // a new group can start from the oldest retained message
	CapStartTime                              // a new group can start from a timestamp
	CapDeadLetter                             // dead letters after MaxAttempts
	CapPull                                   // Receive with explicit Ack/Nack
	CapPartitions                             // messages carry partition/queue and offset
	CapReconnect                              // lost connections are re-established by the driver
	CapRedeliveryDelay                        // Nack with a delay (backoff) is honoured by the broker
	capEnd
)

var capNames = map[Capability]string{
	CapSyncPublish:     "sync-publish",
	CapAsyncPublish:    "async-publish",
	CapOneWay:          "one-way",
	CapBatch:           "batch",
	CapDelay:           "delay",
	CapTransactions:    "transactions",
	CapTxCheckBack:     "tx-check-back",
	CapOrdered:         "ordered",
	CapGroups:          "groups",
	CapBroadcast:       "broadcast",
	CapTagFilter:       "tag-filter",
	CapPatternFilter:   "pattern-filter",
	CapStartOldest:     "start-oldest",
	CapStartTime:       "start-time",
	CapDeadLetter:      "dead-letter",
	CapPull:            "pull",
	CapPartitions:      "partitions",
	CapReconnect:       "reconnect",
	CapRedeliveryDelay: "redelivery-delay",
}

// String lists the capability names joined by "|".
func (c Capability) String() string {
	var parts []string
	for b := Capability(1); b < capEnd; b <<= 1 {
		if c&b != 0 {
			parts = append(parts, capNames[b])
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Capabilities describes what a backend can do.
type Capabilities struct {
	Backend        string        // "memory", "kafka", "rabbitmq", "rocketmq"
	Features       Capability    // the feature set
	MaxMessageSize int           // body+headers limit in bytes that mq enforces before Send (0: none)
	MaxDelay       time.Duration // longest Delay honoured (0: unlimited)
	MaxBatch       int           // most messages in one PublishBatch (0: unlimited)
	// MinPrefetch is the smallest default prefetch that keeps the backend
	// efficient (0: none): a Subscriber holds max(Concurrency, MinPrefetch)
	// messages unless the user sets Prefetch. Kafka declares it because
	// records come in fetches of hundreds, and handing them over a few at
	// a time costs more than the records themselves.
	MinPrefetch int
	// Topics is the backend's rule for topic names (zero value: BaseTopics).
	// mq checks every topic against it before anything is sent.
	Topics NameRule
}

// Has reports whether every capability in c is present.
func (cs Capabilities) Has(c Capability) bool { return cs.Features&c == c }

// Missing returns the capabilities of c that are absent.
func (cs Capabilities) Missing(c Capability) Capability { return c &^ cs.Features }

// Needs returns the capabilities a backend must have to serve cfg:
// CapBroadcast, CapOrdered, CapStartOldest or CapStartTime as cfg asks.
func (cfg *SubscriptionConfig) Needs() Capability {
	var need Capability
	if cfg.Broadcast {
		need |= CapBroadcast
	}
	if cfg.Ordered {
		need |= CapOrdered
	}
	switch cfg.Start.Kind {
	case StartOldest:
		need |= CapStartOldest
	case StartAtTime:
		need |= CapStartTime
	}
	return need
}
