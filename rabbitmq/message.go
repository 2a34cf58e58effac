package rabbitmq

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Header names of the RabbitMQ mapping.
const (
	// HeaderKey carries Message.Key (AMQP has no key property).
	HeaderKey = "unimq-key"
	// headerDelay routes a delayed message to its delay queue (see delay.go).
	headerDelay = "unimq-delay"
	// headerProbe marks the routing probe of a delayed publish (probe.go):
	// subscribers acknowledge and skip it.
	headerProbe = "unimq-probe"
)

// Property headers: a message header with one of these names sets the AMQP
// property of that name instead of a headers-table entry, and a received
// message shows its properties under these names. This keeps interop with
// plain AMQP clients (content type, correlation id...) both ways.
const (
	HeaderContentType     = "content-type"
	HeaderContentEncoding = "content-encoding"
	HeaderCorrelationID   = "correlation-id"
	HeaderReplyTo         = "reply-to"
	HeaderType            = "type"
	HeaderAppID           = "app-id"
)

// validate refuses what AMQP cannot carry: routing keys, message ids,
// header names and the property headers are short strings (255 bytes).
func validate(op string, m *driver.Message) error {
	if len(m.Tag) > 255 {
		return driver.Errorf(driver.CodeInvalidArgument, op, "tag of %d bytes: AMQP routing keys hold at most 255", len(m.Tag))
	}
	if len(m.ID) > 255 {
		return driver.Errorf(driver.CodeInvalidArgument, op, "id of %d bytes: the AMQP message-id holds at most 255", len(m.ID))
	}
	for k, v := range m.Headers {
		if len(k) > 255 {
			return driver.Errorf(driver.CodeInvalidArgument, op, "header name of %d bytes: AMQP allows at most 255", len(k))
		}
		switch k {
		case HeaderContentType, HeaderContentEncoding, HeaderCorrelationID, HeaderReplyTo, HeaderType, HeaderAppID:
			if len(v) > 255 {
				return driver.Errorf(driver.CodeInvalidArgument, op, "header %s of %d bytes: this AMQP property holds at most 255", k, len(v))
			}
		}
	}
	return nil
}

// publishing builds the AMQP message for m. tagHeader says whether the tag
// travels as header unimq-tag (queue modes, retries) rather than only as
// the routing key.
func publishing(m *driver.Message, persistent, tagHeader bool, extra map[string]string, ts time.Time) amqp.Publishing {
	p := amqp.Publishing{MessageId: m.ID, Body: m.Body, Timestamp: ts, DeliveryMode: amqp.Persistent}
	if !persistent {
		p.DeliveryMode = amqp.Transient
	}
	n := len(m.Headers) + len(extra)
	if m.Key != "" {
		n++
	}
	if tagHeader && m.Tag != "" {
		n++
	}
	if n == 0 {
		return p
	}
	h := make(amqp.Table, n)
	for k, v := range m.Headers {
		switch k {
		case HeaderContentType:
			p.ContentType = v
		case HeaderContentEncoding:
			p.ContentEncoding = v
		case HeaderCorrelationID:
			p.CorrelationId = v
		case HeaderReplyTo:
			p.ReplyTo = v
		case HeaderType:
			p.Type = v
		case HeaderAppID:
			p.AppId = v
		default:
			h[k] = v
		}
	}
	for k, v := range extra {
		h[k] = v
	}
	if m.Key != "" {
		h[HeaderKey] = m.Key
	}
	if tagHeader && m.Tag != "" {
		h[driver.HeaderTag] = m.Tag
	}
	if len(h) > 0 {
		p.Headers = h
	}
	return p
}

// received converts a delivery. viaExchange says whether the routing key is
// the tag (exchange modes, when the message came through an exchange).
// The message and its ackRef are one allocation.
func received(d *amqp.Delivery, topic string, tagFromKey bool, ch *amqp.Channel, book *ackBook) *driver.Message {
	x := &struct {
		m driver.Message
		r ackRef
	}{
		m: driver.Message{
			ID:          d.MessageId,
			Body:        d.Body,
			Topic:       topic,
			Partition:   -1,
			Offset:      -1,
			Attempt:     1,
			PublishTime: d.Timestamp,
		},
		r: ackRef{ch: ch, book: book, tag: d.DeliveryTag},
	}
	m := &x.m
	m.AckID = &x.r
	var h map[string]string
	set := func(k, v string) {
		if h == nil {
			h = make(map[string]string, len(d.Headers)+1)
		}
		h[k] = v
	}
	tag, hasTag, internal := "", false, false
	for k, v := range d.Headers {
		switch k {
		case HeaderKey:
			m.Key = value(v)
		case driver.HeaderTag:
			tag, hasTag = value(v), true
		case driver.HeaderAttempt:
			internal = true
			if n, err := strconv.Atoi(value(v)); err == nil && n > 0 {
				m.Attempt = n
			}
		case headerDelay:
			internal = true
		default:
			set(k, value(v))
		}
	}
	if internal && h != nil {
		// Our delay and retry queues dead-letter the message back: the
		// broker's bookkeeping headers are noise to the application.
		for k := range h {
			if k == "x-death" || strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") {
				delete(h, k)
			}
		}
	}
	for _, p := range [...]struct{ k, v string }{
		{HeaderContentType, d.ContentType}, {HeaderContentEncoding, d.ContentEncoding},
		{HeaderCorrelationID, d.CorrelationId}, {HeaderReplyTo, d.ReplyTo},
		{HeaderType, d.Type}, {HeaderAppID, d.AppId},
	} {
		if p.v != "" {
			set(p.k, p.v)
		}
	}
	if len(h) > 0 {
		m.Headers = h
	}
	switch {
	case hasTag:
		m.Tag = tag
	case tagFromKey && d.Exchange != "":
		m.Tag = d.RoutingKey
	}
	return m
}

// value renders an AMQP table value as a header string.
func value(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
