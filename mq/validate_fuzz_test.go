package mq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// refText is the reference rule for ID, Key and Tag: valid UTF-8 without
// Unicode control characters.
func refText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// reservedName: the name starts with "unimq-" in any mix of ASCII case.
func reservedName(name string) bool {
	if len(name) < 6 {
		return false
	}
	b := []byte(name[:6])
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b) == "unimq-"
}

// FuzzPublishInputRules publishes a message built from the input to a fake
// backend: it is refused with ErrInvalidArgument exactly when the reference
// rules say so, and otherwise reaches the driver byte-exact.
func FuzzPublishInputRules(f *testing.F) {
	f.Add("id", "key", "tag", "name", "value")
	f.Add("x\x02TRAN_MSG\x01true", "k\x02DELAY\x013", "t", "a\nb", "v")
	f.Add("i", "k", "t", "unimq-attempt", "9")
	f.Add("i", "k\xff", "t", "Unimq-X", "\xfe")
	f.Add("i", "k", "t", "UN\u0130MQ-x", "v")
	f.Add("ïd", "ключ", strings.Repeat("t", 256), "h", "line\nbreak\x01")
	c, fc, err := openFake("fuzz-input", driver.Capabilities{Backend: "fake", Features: fakeFeatures})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close(context.Background()) })
	f.Fuzz(func(t *testing.T, id, key, tag, name, value string) {
		m := &mq.Message{ID: id, Key: key, Tag: tag, Headers: map[string]string{name: value}, Body: []byte(value)}
		valid := refText(id) && refText(key) && refText(tag) && len(tag) <= 255 &&
			name != "" && len(name) <= 255 && refText(name) && !reservedName(name) &&
			utf8.ValidString(value)
		fc.mu.Lock()
		fc.sent = fc.sent[:0]
		fc.mu.Unlock()
		err := c.Publish(context.Background(), "t", m)
		if valid != (err == nil) {
			t.Fatalf("Publish(ID %q Key %q Tag %q header %q=%q): %v, reference valid=%v", id, key, tag, name, value, err, valid)
		}
		if err != nil {
			if !errors.Is(err, mq.ErrInvalidArgument) {
				t.Fatalf("%v is not ErrInvalidArgument", err)
			}
			return
		}
		fc.mu.Lock()
		defer fc.mu.Unlock()
		dm := fc.sent[0]
		if dm.ID != id || dm.Key != key || dm.Tag != tag || len(dm.Headers) != 1 || dm.Headers[name] != value || string(dm.Body) != value {
			t.Fatalf("altered: sent %+v", dm)
		}
	})
}
