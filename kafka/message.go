package kafka

import (
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// Headers the adapter uses internally on retry copies; stripped on receipt.
const (
	headerNotBefore = "unimq-not-before" // unix milliseconds: redeliver a retry copy not before
	headerRetryOf   = "unimq-retry-of"   // the topic a retry copy was consumed from
)

// toRecord maps a driver message onto a Kafka record: Key -> record key,
// Body -> value, Headers -> record headers, Tag -> header unimq-tag, ID ->
// header unimq-id, publish time -> record timestamp.
func toRecord(topic string, dm *driver.Message, now time.Time) *sarama.ProducerMessage {
	pm := &sarama.ProducerMessage{}
	fillRecord(pm, nil, topic, dm, now)
	return pm
}

// bytesEncoder is a sarama.Encoder kept inside a record's allocation
// (sarama.ByteEncoder would allocate when boxed).
type bytesEncoder struct{ b []byte }

func (e *bytesEncoder) Encode() ([]byte, error) { return e.b, nil }
func (e *bytesEncoder) Length() int             { return len(e.b) }

// encoders are the key and value encoders of one record.
type encoders struct{ key, value bytesEncoder }

// fillRecord sets pm from dm; enc, when not nil, holds the encoders.
func fillRecord(pm *sarama.ProducerMessage, enc *encoders, topic string, dm *driver.Message, now time.Time) {
	pm.Topic, pm.Timestamp = topic, now
	if enc == nil {
		enc = &encoders{}
	}
	if dm.Body != nil {
		enc.value.b = dm.Body
		pm.Value = &enc.value
	}
	if dm.Key != "" {
		enc.key.b = []byte(dm.Key)
		pm.Key = &enc.key
	}
	n := len(dm.Headers)
	if dm.Tag != "" {
		n++
	}
	if dm.ID != "" {
		n++
	}
	if n > 0 {
		pm.Headers = make([]sarama.RecordHeader, 0, n)
		for k, v := range dm.Headers {
			pm.Headers = append(pm.Headers, sarama.RecordHeader{Key: []byte(k), Value: []byte(v)})
		}
		if dm.Tag != "" {
			pm.Headers = append(pm.Headers, sarama.RecordHeader{Key: []byte(driver.HeaderTag), Value: []byte(dm.Tag)})
		}
		if dm.ID != "" {
			pm.Headers = append(pm.Headers, sarama.RecordHeader{Key: []byte(driver.HeaderID), Value: []byte(dm.ID)})
		}
	}
}

// brokerID is how the adapter names a record: topic/partition@offset ("" when
// the offset is unknown: an idempotent retry the broker reported as a
// duplicate of a write it already had confirms without an offset).
func brokerID(topic string, partition int32, offset int64) string {
	if offset < 0 {
		return ""
	}
	var b strings.Builder // one allocation
	b.Grow(len(topic) + 2 + 10 + 19)
	b.WriteString(topic)
	b.WriteByte('/')
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], int64(partition), 10))
	b.WriteByte('@')
	b.Write(strconv.AppendInt(num[:0], offset, 10))
	return b.String()
}

// delivery is a received record: the message, its ack handle and, for a
// retry copy, its earliest redelivery time (zero for ordinary records).
type delivery struct {
	dm        driver.Message
	id        ackID
	notBefore time.Time
}

// readRecord fills d from a consumed record (all but BrokerID, see readRun).
// Retry copies report the topic they were first consumed from and their
// attempt number. The message's AckID ties it to cs.
func readRecord(d *delivery, r *sarama.ConsumerMessage, cs *claimState) {
	d.dm = driver.Message{
		Topic:       r.Topic,
		Partition:   r.Partition,
		Offset:      r.Offset,
		Body:        r.Value,
		Attempt:     1,
		PublishTime: r.Timestamp,
	}
	d.id = ackID{cs: cs, offset: r.Offset}
	dm := &d.dm
	dm.AckID = &d.id
	if dm.Body == nil {
		dm.Body = []byte{}
	}
	if r.Key != nil {
		dm.Key = string(r.Key)
	}
	for _, h := range r.Headers {
		if h == nil {
			continue
		}
		k, v := string(h.Key), string(h.Value)
		switch k {
		case driver.HeaderTag:
			dm.Tag = v
		case driver.HeaderID:
			dm.ID = v
		case driver.HeaderAttempt:
			if a, err := strconv.Atoi(v); err == nil && a > 0 {
				dm.Attempt = a
			}
		case headerNotBefore:
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				d.notBefore = time.UnixMilli(ms)
			}
		case headerRetryOf:
			dm.Topic = v
		default:
			if dm.Headers == nil {
				dm.Headers = make(map[string]string, len(r.Headers))
			}
			dm.Headers[k] = v
		}
	}
}

// copyRecord is a new record with dm's content for a retry or dead-letter
// topic, with extra headers set.
func copyRecord(topic string, dm *driver.Message, headers map[string]string, extra map[string]string) *sarama.ProducerMessage {
	c := *dm
	h := make(map[string]string, len(headers)+len(extra))
	for k, v := range headers {
		h[k] = v
	}
	for k, v := range extra {
		h[k] = v
	}
	c.Headers = h
	pm := toRecord(topic, &c, time.Now())
	return pm
}
