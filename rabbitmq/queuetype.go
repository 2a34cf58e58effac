package rabbitmq

import (
	"fmt"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

// QueueType is the type of the durable queues unimq declares: group and
// topic queues, their dead-letter queues, and the delay and retry queues.
// Broadcast queues are always classic (exclusive and auto-delete, which
// quorum queues cannot be).
type QueueType int

// Queue types. Classic is the default: changing the type of an existing
// queue fails its next declaration (PRECONDITION_FAILED), so a default that
// changed under a deployment would break its redeploy. Streams
// (queue_type=stream) are refused with ErrUnsupported for now.
const (
	Classic QueueType = iota // classic queue (no x-queue-type argument)
	Quorum                   // quorum queue: replicated (Raft), durable, x-delivery-limit, at-least-once dead-lettering
)

var queueTypeNames = [...]string{Classic: "classic", Quorum: "quorum"}

func (t QueueType) String() string {
	if t >= 0 && int(t) < len(queueTypeNames) {
		return queueTypeNames[t]
	}
	return fmt.Sprintf("queuetype(%d)", int(t))
}

func parseQueueType(s string) (QueueType, bool) {
	for i, n := range queueTypeNames {
		if n == s {
			return QueueType(i), true
		}
	}
	return 0, false
}

// queueArgs are the type's arguments of a group or topic queue named queue:
// for a quorum queue, the delivery limit (0: none) and dead-lettering of
// what exceeds it to <queue>.dlq, at least once when alo (RabbitMQ 3.10 and
// later: the message leaves the queue only once the dead-letter queue has
// it; the broker requires x-overflow reject-publish for that).
func (t QueueType) queueArgs(queue string, deliveryLimit int, alo bool) amqp.Table {
	if t != Quorum {
		return nil
	}
	args := amqp.Table{"x-queue-type": "quorum"}
	if deliveryLimit > 0 {
		args["x-delivery-limit"] = int64(deliveryLimit)
		args["x-dead-letter-exchange"] = ""
		args["x-dead-letter-routing-key"] = dlqName(queue)
		if alo {
			args["x-dead-letter-strategy"] = "at-least-once"
			args["x-overflow"] = "reject-publish"
		}
	}
	return args
}

// plainArgs are the type's arguments of a queue that dead-letters nothing
// (a dead-letter queue).
func (t QueueType) plainArgs() amqp.Table {
	if t != Quorum {
		return nil
	}
	return amqp.Table{"x-queue-type": "quorum"}
}

// hopType is the type of the delay and retry queues of queues of type t:
// quorum (at-least-once dead-lettering at the end of the TTL, so a message
// on its way is never dropped) when t is and the broker supports
// at-least-once dead-lettering, classic otherwise.
func (t QueueType) hopType(alo bool) QueueType {
	if t == Quorum && alo {
		return Quorum
	}
	return Classic
}

// hopArgs completes the arguments of a delay or retry queue (TTL,
// dead-letter target already in args) for its type.
func (t QueueType) hopArgs(args amqp.Table) amqp.Table {
	if t == Quorum {
		args["x-queue-type"] = "quorum"
		args["x-dead-letter-strategy"] = "at-least-once"
		args["x-overflow"] = "reject-publish"
	}
	return args
}

// hopSuffix tells the delay and retry queues of the two types apart, so
// that clients of different types never declare one queue two ways (and a
// delayed message never matches two delay queues' bindings).
func (t QueueType) hopSuffix() string {
	if t == Quorum {
		return ".quorum"
	}
	return ""
}

// supportsAtLeastOnce reports whether a broker of this version (the
// "version" server property) dead-letters quorum queues at least once:
// RabbitMQ 3.10 and later.
func supportsAtLeastOnce(version string) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major > 3 || (major == 3 && minor >= 10)
}
