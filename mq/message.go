package mq

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Message is a message to publish or one received.
//
// On the wire the Body is sent as is and Headers as the broker's native
// headers/properties: a unimq message is an ordinary message to any other
// client of the broker. See the package documentation for each broker's
// mapping of Key and Tag.
type Message struct {
	// ID identifies the message to the application. Optional; carried as the
	// broker's message-id property where it has one, else as header "unimq-id".
	ID string
	// Key orders and partitions: messages with one Key go to one
	// partition/queue and reach an Ordered subscriber in publish order.
	Key string
	// Tag is one label a subscriber can filter on (mq.TagFilter, mq.TagPattern).
	Tag string
	// Headers are user properties. Names are 1 to MaxHeaderNameLen bytes of
	// valid UTF-8 without control characters and do not start with
	// ReservedHeaderPrefix; values are valid UTF-8. ID, Key and Tag are
	// valid UTF-8 without control characters, Tag at most MaxTagLen bytes
	// (the package documentation lists every input rule).
	Headers map[string]string
	// Body is the payload, sent untouched.
	Body []byte
	// Delay defers delivery by at least this long. DeliverAt, if set, wins.
	// A backend without CapDelay refuses such a message with ErrUnsupported.
	Delay     time.Duration
	DeliverAt time.Time

	// Set on receipt (and Partition/Offset/BrokerID after a confirmed
	// Publish where the broker reports them).
	Topic       string
	Partition   int32 // partition or queue id; -1 when the backend has none
	Offset      int64 // position in the partition/queue; -1 when none
	Attempt     int   // 1 on first delivery, 2 on the first redelivery...
	PublishTime time.Time
	BrokerID    string // the broker's message id (RocketMQ msgId, Kafka topic/partition@offset)

	d *driver.Message // the received driver message
	r *receipt        // pull settlement, nil for handler deliveries
}

// Header returns header k ("" when absent).
func (m *Message) Header(k string) string { return m.Headers[k] }

// SetHeader sets header k, allocating Headers if needed, and returns m.
func (m *Message) SetHeader(k, v string) *Message {
	if m.Headers == nil {
		m.Headers = make(map[string]string, 4)
	}
	m.Headers[k] = v
	return m
}

// Ack settles a message received from Consumer.Receive as processed.
// It is an error on messages delivered to a Handler (return nil instead).
func (m *Message) Ack(ctx context.Context) error {
	if m == nil {
		return invalid("ack", "nil message")
	}
	if m.r == nil {
		return invalid("ack", "message was not received from a Consumer")
	}
	return m.r.c.ack(ctx, m)
}

// Nack asks for redelivery of a message received from Consumer.Receive, after
// the consumer's backoff; past MaxAttempts it goes to the dead letter. reason
// is recorded in the dead letter's headers.
func (m *Message) Nack(ctx context.Context, reason error) error {
	if m == nil {
		return invalid("nack", "nil message")
	}
	if m.r == nil {
		return invalid("nack", "message was not received from a Consumer")
	}
	return m.r.c.nack(ctx, m, reason)
}

// size is what counts against the message size limit.
func (m *Message) size() int {
	n := len(m.Body) + len(m.Key) + len(m.Tag) + len(m.ID)
	for k, v := range m.Headers {
		n += len(k) + len(v)
	}
	return n
}

func (m *Message) toDriver(now time.Time) *driver.Message {
	dm := new(driver.Message)
	m.fill(dm, now)
	return dm
}

func (m *Message) fill(dm *driver.Message, now time.Time) {
	*dm = driver.Message{
		ID:        m.ID,
		Key:       m.Key,
		Tag:       m.Tag,
		Headers:   m.Headers,
		Body:      m.Body,
		DeliverAt: m.DeliverAt,
		Partition: -1,
	}
	if dm.DeliverAt.IsZero() && m.Delay > 0 {
		dm.DeliverAt = now.Add(m.Delay)
	}
}

// single holds one driver message and the one-element batch that points to
// it, so a single Publish costs one allocation for both.
type single struct {
	m     driver.Message
	batch [1]*driver.Message
	src   [1]*Message // the caller's message, for publish interceptors
}

// set makes s the one-message batch of m.
func (s *single) set(m *Message, now time.Time) {
	m.fill(&s.m, now)
	s.batch[0] = &s.m
}

// confirmed copies what a confirmed send reported back to the user's message.
func (m *Message) confirmed(dm *driver.Message) {
	m.BrokerID = dm.BrokerID
	m.Partition = dm.Partition
	m.Offset = dm.Offset
	if m.ID == "" {
		m.ID = dm.ID
	}
}

func fromDriver(dm *driver.Message) *Message {
	m := new(Message)
	m.from(dm)
	return m
}

// from sets m to the received dm.
func (m *Message) from(dm *driver.Message) {
	*m = Message{
		ID:          dm.ID,
		Key:         dm.Key,
		Tag:         dm.Tag,
		Headers:     dm.Headers,
		Body:        dm.Body,
		DeliverAt:   dm.DeliverAt,
		Topic:       dm.Topic,
		Partition:   dm.Partition,
		Offset:      dm.Offset,
		Attempt:     dm.Attempt,
		PublishTime: dm.PublishTime,
		BrokerID:    dm.BrokerID,
		d:           dm,
	}
}
