package mq

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unimq/unimq/mq/driver"
)

// Input rules. Everything a caller puts in a message or a name is checked
// here, before anything is sent, the same way on every backend; a backend
// may refuse more (its Capabilities().Topics rule, RocketMQ's property
// separators in header values), never less. Nothing is ever altered: what
// passes is carried byte-exact, what does not is refused with
// ErrInvalidArgument (ErrTooLarge for sizes).
//
//   - Topic: the backend's rule (Capabilities().Topics; driver.PortableTopics
//     is what every backend accepts).
//   - Group: 1 to MaxGroupLen bytes of valid UTF-8 without control characters
//     or white space.
//   - ID and Key: valid UTF-8 without control characters.
//   - Tag: as ID, at most MaxTagLen bytes.
//   - Header name: 1 to MaxHeaderNameLen bytes of valid UTF-8 without control
//     characters, and not starting with ReservedHeaderPrefix (any case).
//   - Header value: valid UTF-8. Control characters are carried where the
//     backend can carry them and refused where it cannot (RocketMQ: \x01 and
//     \x02, its property separators).
//   - Body: any bytes. Body, ID, Key, Tag and headers together at most
//     Capabilities().MaxMessageSize bytes.
//
// Invalid UTF-8 is refused everywhere (not replaced): RocketMQ properties and
// AMQP short strings cannot carry it byte-exact, so no portable message may
// hold it outside its Body.
const (
	// MaxTagLen is the longest Tag, in bytes: the tag is the routing key of
	// RabbitMQ's exchange modes, an AMQP short string of at most 255 bytes,
	// and a tag filter's work grows with it.
	MaxTagLen = 255
	// MaxHeaderNameLen is the longest header name, in bytes: an AMQP field
	// table's names are short strings of at most 255 bytes.
	MaxHeaderNameLen = 255
	// MaxGroupLen is the longest group name, in bytes (RocketMQ's limit for
	// a group; RabbitMQ queue names made from it are short strings too).
	MaxGroupLen = 255
	// ReservedHeaderPrefix starts the header names unimq and its backends
	// use for their own metadata (driver.HeaderAttempt, the dead-letter
	// reasons...). Publish refuses them: a caller could otherwise make a
	// first delivery look like its ninth attempt. Received messages carry
	// them (a dead letter's reason); copy the other headers to republish.
	ReservedHeaderPrefix = "unimq-"
)

// validTopic checks topic against the backend's rule.
func (c *Client) validTopic(op, topic string) error {
	return c.caps.Topics.Check(op, "topic", topic)
}

// groupRule is the rule for group names (see the input rules above).
var groupRule = driver.NameRule{Name: "group", MaxLen: MaxGroupLen, Any: true}

func validGroup(op, group string) error {
	return groupRule.Check(op, "group", group)
}

// textRule checks a string field of a message: valid UTF-8, no control
// characters and at most max bytes (0: no limit).
func textRule(op, field, s string, max int) error {
	if max > 0 && len(s) > max {
		return invalid(op, "%s of %d bytes: at most %d", field, len(s), max)
	}
	if why := badText(s, true); why != "" {
		return invalid(op, "%s %s", field, why)
	}
	return nil
}

// badText says what is wrong with s ("" when nothing): invalid UTF-8, or
// (when controls is true) a control character (C0, DEL, C1).
func badText(s string, controls bool) string {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if controls && (b < 0x20 || b == 0x7f) {
				return fmt.Sprintf("contains the control character %q at byte %d", b, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Sprintf("is not valid UTF-8 (byte %d)", i)
		}
		if controls && r >= 0x80 && r < 0xa0 {
			return fmt.Sprintf("contains the control character %q at byte %d", r, i)
		}
		i += n
	}
	return ""
}

// validHeaderName checks one header name of a message to publish.
func validHeaderName(op, k string) error {
	switch {
	case k == "":
		return invalid(op, "empty header name")
	case len(k) > MaxHeaderNameLen:
		return invalid(op, "header name of %d bytes: at most %d", len(k), MaxHeaderNameLen)
	case len(k) >= len(ReservedHeaderPrefix) && strings.EqualFold(k[:len(ReservedHeaderPrefix)], ReservedHeaderPrefix):
		return invalid(op, "header name %s is reserved (names starting with %q are unimq's own)", quoteName(k), ReservedHeaderPrefix)
	}
	if why := badText(k, true); why != "" {
		return invalid(op, "header name %s", why)
	}
	return nil
}

// quoteName quotes at most 64 bytes of a name for an error.
func quoteName(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q...", s[:64])
	}
	return fmt.Sprintf("%q", s)
}

// validate checks m against the input rules, the size limit and the
// backend's delay support.
func (c *Client) validate(op string, m *Message, now time.Time) error {
	if m == nil {
		return invalid(op, "nil message")
	}
	if err := textRule(op, "ID", m.ID, 0); err != nil {
		return err
	}
	if err := textRule(op, "Key", m.Key, 0); err != nil {
		return err
	}
	if err := textRule(op, "Tag", m.Tag, MaxTagLen); err != nil {
		return err
	}
	for k, v := range m.Headers {
		if err := validHeaderName(op, k); err != nil {
			return err
		}
		if why := badText(v, false); why != "" {
			return invalid(op, "value of header %s %s", quoteName(k), why)
		}
	}
	if max := c.caps.MaxMessageSize; max > 0 {
		if n := m.size(); n > max {
			return driver.Errorf(driver.CodeTooLarge, op, "message of %d bytes exceeds the limit of %d", n, max)
		}
	}
	if m.Delay < 0 {
		return invalid(op, "negative delay %v", m.Delay)
	}
	if m.Delay > 0 || !m.DeliverAt.IsZero() {
		if !c.caps.Has(driver.CapDelay) {
			return driver.Errorf(driver.CodeUnsupported, op, "cannot delay messages")
		}
		if c.caps.MaxDelay > 0 {
			at := m.DeliverAt
			if at.IsZero() {
				at = now.Add(m.Delay)
			}
			if at.Sub(now) > c.caps.MaxDelay {
				return driver.Errorf(driver.CodeUnsupported, op, "delay %v exceeds the backend's maximum %v", at.Sub(now).Round(time.Millisecond), c.caps.MaxDelay)
			}
		}
	}
	return nil
}
