package otelmq

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// attemptKey is unimq's delivery attempt (1 on the first delivery).
const attemptKey = attribute.Key("unimq.message.attempt")

// Operation names (messaging.operation.name).
const (
	opSend       = "send"
	opProcess    = "process"
	opNack       = "nack"
	opDeadLetter = "dead_letter"
)

// base is what every span and measurement carries: system, destination and
// group (when there is one).
func base(system, topic, group string) []attribute.KeyValue {
	kv := make([]attribute.KeyValue, 0, 12)
	kv = append(kv, semconv.MessagingSystemKey.String(system), semconv.MessagingDestinationName(topic))
	if group != "" {
		kv = append(kv, semconv.MessagingConsumerGroupName(group))
	}
	return kv
}

// operation adds messaging.operation.name and .type.
func operation(kv []attribute.KeyValue, name string, typ attribute.KeyValue) []attribute.KeyValue {
	return append(kv, semconv.MessagingOperationName(name), typ)
}

// message adds what a message tells: id, body size, position, and the key
// and tag under the backend's own names.
func message(kv []attribute.KeyValue, system string, m msgFields) []attribute.KeyValue {
	if id := m.id; id != "" {
		kv = append(kv, semconv.MessagingMessageID(id))
	} else if m.brokerID != "" {
		kv = append(kv, semconv.MessagingMessageID(m.brokerID))
	}
	if m.bodySize >= 0 {
		kv = append(kv, semconv.MessagingMessageBodySize(m.bodySize))
	}
	if m.partition >= 0 {
		kv = append(kv, semconv.MessagingDestinationPartitionID(strconv.Itoa(int(m.partition))))
	}
	if m.attempt > 0 {
		kv = append(kv, attemptKey.Int(m.attempt))
	}
	switch system {
	case "kafka":
		if m.offset >= 0 {
			kv = append(kv, semconv.MessagingKafkaOffset(int(m.offset)))
		}
		if m.key != "" {
			kv = append(kv, semconv.MessagingKafkaMessageKey(m.key))
		}
	case "rabbitmq":
		if m.tag != "" {
			kv = append(kv, semconv.MessagingRabbitMQDestinationRoutingKey(m.tag))
		}
	case "rocketmq":
		if m.tag != "" {
			kv = append(kv, semconv.MessagingRocketMQMessageTag(m.tag))
		}
		if m.key != "" {
			kv = append(kv, semconv.MessagingRocketMQMessageKeys(m.key))
		}
	}
	return kv
}

// msgFields is the part of a Message or an Event that attributes describe.
type msgFields struct {
	id, brokerID, key, tag string
	bodySize               int // -1: unknown
	partition              int32
	offset                 int64
	attempt                int
}

func fieldsOf(m *mq.Message) msgFields {
	return msgFields{id: m.ID, brokerID: m.BrokerID, key: m.Key, tag: m.Tag, bodySize: len(m.Body),
		partition: m.Partition, offset: m.Offset, attempt: m.Attempt}
}

func fieldsOfEvent(e *mq.Event) msgFields {
	return msgFields{id: e.ID, brokerID: e.BrokerID, key: e.Key, tag: e.Tag, bodySize: -1,
		partition: e.Partition, offset: e.Offset, attempt: e.Attempt}
}

// errorType is error.type for err: the unimq error code ("timeout",
// "unavailable"...) when it has one, else the error's Go type.
func errorType(err error) string {
	if c := mq.CodeOf(err); c != driver.CodeUnknown {
		return strings.ReplaceAll(c.String(), " ", "_")
	}
	t := fmt.Sprintf("%T", err)
	for t == "mq.permanent" { // mq.NoRetry's wrapper: the cause's type tells more
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err, t = u, fmt.Sprintf("%T", u)
	}
	return t
}
