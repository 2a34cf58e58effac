package driver

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNameRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("n", n) }
	cases := []struct {
		rule NameRule
		good []string
		bad  []string
	}{
		{BaseTopics,
			[]string{"orders", "a.b", "a/b:c", "grüße", "%DLQ%g", long(10000)},
			[]string{"", "a b", "a\tb", "a\nb", "\x00", "a\x7f", "a\u0085", "a\u00a0b", "a\u1680b", "a\u202fb", "a\u3000", "\xff", "a\xc3"}},
		{KafkaTopics,
			[]string{"orders", "a.b_c-D9", long(249), "..."},
			[]string{".", "..", "a/b", "a:b", "a%b", "grüße", long(250), "a b", ""}},
		{RocketMQTopics,
			[]string{"orders", "a_b-c", "%RETRY%g", "a|b", long(127)},
			[]string{"a.b", "a/b", long(128), "ü", "a b"}},
		{AMQPTopics,
			[]string{"orders.eu", "a/b", "grüße", long(255)},
			[]string{long(256), "a b", "a\nb", "\xfe"}},
		{PortableTopics,
			[]string{"orders", "a_b-c", long(127)},
			[]string{"a.b", "a%b", "a|b", long(128), ""}},
	}
	for _, c := range cases {
		for _, n := range c.good {
			if err := c.rule.Check("op", "topic", n); err != nil {
				t.Errorf("%s refuses %q: %v", c.rule.Name, n, err)
			}
		}
		for _, n := range c.bad {
			err := c.rule.Check("op", "topic", n)
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("%s accepts %q (err %v)", c.rule.Name, n, err)
			} else if len(err.Error()) > 300 {
				t.Errorf("%s: error of %d bytes for a name of %d", c.rule.Name, len(err.Error()), len(n))
			}
		}
	}
	// Every name the portable rule accepts, every backend's rule accepts.
	for _, n := range []string{"a", "A-b_9", long(127)} {
		for _, r := range []NameRule{BaseTopics, KafkaTopics, RocketMQTopics, AMQPTopics} {
			if err := r.Check("op", "topic", n); err != nil {
				t.Errorf("portable name %q refused by %s: %v", n, r.Name, err)
			}
		}
	}
}

// refCheck is the reference name rule, written from the documentation with
// the unicode package's categories.
func refCheck(r NameRule, name string) bool {
	if name == "" || !utf8.ValidString(name) || (r.MaxLen > 0 && len(name) > r.MaxLen) {
		return false
	}
	if r.DotNames && (name == "." || name == "..") {
		return false
	}
	for _, c := range name {
		if unicode.IsControl(c) || unicode.IsSpace(c) {
			return false
		}
		if r.Any {
			continue
		}
		if c > unicode.MaxASCII || !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune(r.Extra, c)) {
			return false
		}
	}
	return true
}

// FuzzNameRule compares every rule's Check with refCheck, and checks that
// an error never quotes more than 64 bytes of the name.
func FuzzNameRule(f *testing.F) {
	for _, s := range []string{"orders", "a.b", ".", "..", "%DLQ%g", "a b", "a\u1680b", "grüße", "\xff", long249()} {
		f.Add(s)
	}
	rules := []NameRule{BaseTopics, KafkaTopics, RocketMQTopics, AMQPTopics, PortableTopics}
	f.Fuzz(func(t *testing.T, name string) {
		for _, r := range rules {
			err := r.Check("op", "topic", name)
			if want := refCheck(r, name); want != (err == nil) {
				t.Fatalf("%s.Check(%q) = %v, reference says valid=%v", r.Name, name, err, want)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("%s.Check(%q): %v is not ErrInvalidArgument", r.Name, name, err)
				}
				if quotesMoreThan64(err.Error(), name) {
					t.Fatalf("%s.Check: the error quotes more than 64 bytes of the name", r.Name)
				}
			}
			if err == nil && PortableTopics.Check("op", "topic", name) == nil && r.Check("op", "topic", name) != nil {
				t.Fatalf("portable name %q refused by %s", name, r.Name)
			}
		}
	})
}

// quotesMoreThan64 reports whether msg holds the quoted form (%q) of more
// than the first 64 bytes of name: the quoted prefix up to the first rune
// boundary past 64, without its closing quote. (Searching msg for the raw
// bytes is wrong: a quoted backslash is two.)
func quotesMoreThan64(msg, name string) bool {
	k := 65
	for k < len(name) && !utf8.RuneStart(name[k]) {
		k++
	}
	if k > len(name) {
		return false
	}
	q := strconv.Quote(name[:k])
	return strings.Contains(msg, q[:len(q)-1])
}

func long249() string { return strings.Repeat("k", 249) }
