package driver

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NameRule is a backend's rule for topic names, declared in
// Capabilities.Topics and enforced by mq before anything is sent, so a bad
// name fails at once with CodeInvalidArgument on every backend instead of
// reaching the broker (where it may hang, be rewritten or be refused with a
// code that says "retry").
//
// Every rule includes the portable base rule: not empty, valid UTF-8, no
// control characters (Unicode Cc: C0, DEL, C1), no white space (Unicode
// White_Space: ' ', NBSP, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000).
type NameRule struct {
	Name   string // the rule's name in errors and docs: "kafka", "rocketmq"...
	MaxLen int    // most bytes (0: no limit beyond the base rule)
	// Extra lists the characters allowed besides ASCII letters and digits.
	// Empty with Any false means letters and digits only.
	Extra string
	// Any allows every character the base rule allows (Extra is then unused).
	Any bool
	// DotNames refuses the names "." and ".." (Kafka).
	DotNames bool
}

// Topic name rules of the backends. A memory broker opened with like=<backend>
// applies that backend's rule; PortableTopics is the intersection of all of
// them: a name that passes it works on every backend.
var (
	// BaseTopics is the rule every backend applies at least.
	BaseTopics = NameRule{Name: "base", Any: true}
	// KafkaTopics: ASCII letters, digits, '.', '_' and '-', at most 249 bytes,
	// not "." or ".." (Kafka's own rule).
	KafkaTopics = NameRule{Name: "kafka", MaxLen: 249, Extra: "._-", DotNames: true}
	// RocketMQTopics: ASCII letters, digits, '_', '-', '%' and '|', at most 127
	// bytes (the broker's rule; '%' and '|' are for system topics).
	RocketMQTopics = NameRule{Name: "rocketmq", MaxLen: 127, Extra: "_-%|"}
	// AMQPTopics: exchange and queue names are short strings of at most 255
	// bytes of valid UTF-8 (AMQP 0-9-1).
	AMQPTopics = NameRule{Name: "rabbitmq", MaxLen: 255, Any: true}
	// PortableTopics: ASCII letters, digits, '_' and '-', at most 127 bytes.
	PortableTopics = NameRule{Name: "portable", MaxLen: 127, Extra: "_-"}
)

// Check returns nil when name follows r, else an *Error with
// CodeInvalidArgument for op. The error quotes at most 64 bytes of the name.
func (r NameRule) Check(op, kind, name string) error {
	bad := func(why string) error {
		return &Error{Code: CodeInvalidArgument, Op: op, Msg: fmt.Sprintf("%s %s: %s", kind, quoteShort(name), why)}
	}
	if name == "" {
		return &Error{Code: CodeInvalidArgument, Op: op, Msg: "empty " + kind}
	}
	if !utf8.ValidString(name) {
		return bad("not valid UTF-8")
	}
	if r.MaxLen > 0 && len(name) > r.MaxLen {
		return bad(fmt.Sprintf("%d bytes, the %s limit is %d", len(name), r.Name, r.MaxLen))
	}
	if r.DotNames && (name == "." || name == "..") {
		return bad("reserved name")
	}
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return bad("contains control characters")
		case unicode.IsSpace(c):
			return bad("contains white space")
		case r.Any:
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c < utf8.RuneSelf && strings.IndexByte(r.Extra, byte(c)) >= 0:
		default:
			return bad(fmt.Sprintf("%q is not allowed (%s)", c, r.Describe()))
		}
	}
	return nil
}

// Describe says what the rule allows, for errors and docs.
func (r NameRule) Describe() string {
	var s string
	if r.Any {
		s = "any UTF-8 without control characters or white space"
	} else {
		s = "ASCII letters, digits"
		for i := 0; i < len(r.Extra); i++ {
			s += fmt.Sprintf(" %q", r.Extra[i])
		}
	}
	if r.MaxLen > 0 {
		s += fmt.Sprintf(", at most %d bytes", r.MaxLen)
	}
	return r.Name + " names: " + s
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64]
		for !utf8.ValidString(s) && len(s) > 0 && s[len(s)-1] >= 0x80 {
			s = s[:len(s)-1]
		}
		return fmt.Sprintf("%q...", s)
	}
	return fmt.Sprintf("%q", s)
}
