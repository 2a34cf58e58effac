package rabbitmq

import (
	"crypto/tls"
	"fmt"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Mode is how a topic maps onto RabbitMQ: one of the five patterns of the
// RabbitMQ tutorials.
type Mode int

// Modes. Topic is the default: a topic exchange routes by tag like a direct
// exchange when the bindings are plain tags, and like a fanout exchange when
// the binding is "#", so it covers the other exchange modes' semantics for
// unimq's tag filters and patterns.
const (
	Topic  Mode = iota // topic exchange named by the topic; tag = routing key; "*"/"#" bindings
	Simple             // one durable queue named by the topic; groups make no difference
	Worker             // same as Simple: competing consumers with prefetch (fair dispatch)
	Fanout             // fanout exchange; every group queue gets every message
	Direct             // direct exchange; a group queue gets the tags it names (exact routing keys)
)

var modeNames = [...]string{Topic: "topic", Simple: "simple", Worker: "worker", Fanout: "fanout", Direct: "direct"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// queueMode reports whether topics of this mode are a plain queue (no exchange).
func (m Mode) queueMode() bool { return m == Simple || m == Worker }

// exchangeKind is the AMQP exchange type of an exchange mode.
func (m Mode) exchangeKind() string {
	switch m {
	case Fanout:
		return "fanout"
	case Direct:
		return "direct"
	}
	return "topic"
}

func parseMode(s string) (Mode, bool) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), true
		}
	}
	return 0, false
}

// Options of the rabbitmq adapter are mq.Option values given with the
// portable ones, each accepted where its doc says (Open, Publish,
// Subscribe, Consumer); given elsewhere it is an ErrInvalidOption. Other
// backends ignore them.

// option is every rabbitmq-specific driver.Option. They are pointers so that
// the conn can tell the options given to Open from those given to a call.
type option struct {
	name      string
	mode      *Mode  // WithMode, WithTopicMode
	topic     string // WithTopicMode
	tls       *tls.Config
	isTLS     bool
	transient bool
	qtype     *QueueType // WithQueueType
	existing  bool       // WithExistingQueue
}

// Backend implements driver.Option.
func (o *option) Backend() string { return backendName }

func (o *option) String() string { return "rabbitmq." + o.name }

// anywhere is where the mode options apply.
const anywhere = mq.ScopeOpen | mq.ScopePublish | mq.ScopeSubscribe | mq.ScopeConsumer

// WithMode sets the mode: given to mq.Open it is the default for every topic
// (overriding the URL's mode=), given to Publish, Subscribe or NewConsumer
// it applies to that call only. Publisher and subscribers of one topic must
// agree on its mode; WithTopicMode at Open is the easiest way to ensure
// that.
func WithMode(m Mode) mq.Option {
	return mq.AdapterOption("rabbitmq.WithMode", anywhere, &option{name: "WithMode", mode: &m})
}

// WithTopicMode sets the mode of one topic (Open; also accepted by Publish,
// Subscribe and NewConsumer, where it applies when the topic matches).
func WithTopicMode(topic string, m Mode) mq.Option {
	return mq.AdapterOption("rabbitmq.WithTopicMode", anywhere, &option{name: "WithTopicMode", mode: &m, topic: topic})
}

// WithTLS sets the TLS configuration of amqps:// connections (Open). It
// replaces the tls_* URL parameters.
func WithTLS(cfg *tls.Config) mq.Option {
	return mq.AdapterOption("rabbitmq.WithTLS", mq.ScopeOpen, &option{name: "WithTLS", tls: cfg, isTLS: true})
}

// WithTransient publishes with delivery mode 1 (not persisted to disk):
// faster, lost when the broker restarts (Publish). Default: persistent.
func WithTransient() mq.Option {
	return mq.AdapterOption("rabbitmq.WithTransient", mq.ScopePublish, &option{name: "WithTransient", transient: true})
}

// WithQueueType sets the type of the queues unimq declares: given to
// mq.Open for every queue (overriding the URL's queue_type=), given to
// Subscribe or NewConsumer for that subscription's group queue, its
// dead-letter queue and its retry queues. Broadcast queues stay classic.
// Default Classic (see docs/rabbitmq.md for why).
func WithQueueType(t QueueType) mq.Option {
	return mq.AdapterOption("rabbitmq.WithQueueType", mq.ScopeOpen|mq.ScopeSubscribe|mq.ScopeConsumer, &option{name: "WithQueueType", qtype: &t})
}

// WithExistingQueue consumes the subscription's queue (<topic>.<group> in
// the exchange modes, <topic> in the queue modes) as it exists, declared by
// another application with whatever arguments: Subscribe declares nothing
// (no exchange, queue or bindings; a passive queue.declare checks the queue
// exists) and fails with ErrNotFound when the queue does not exist
// (Subscribe, NewConsumer; not with Broadcast).
func WithExistingQueue() mq.Option {
	return mq.AdapterOption("rabbitmq.WithExistingQueue", mq.ScopeSubscribe|mq.ScopeConsumer, &option{name: "WithExistingQueue", existing: true})
}

// ours returns the rabbitmq options among opts.
func ours(opts []driver.Option) []*option {
	var out []*option
	for _, o := range opts {
		if r, ok := o.(*option); ok {
			out = append(out, r)
		}
	}
	return out
}
