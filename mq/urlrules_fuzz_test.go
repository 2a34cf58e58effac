package mq_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/unimq/unimq/mq"
)

// secretSpans returns where raw holds something that looks secret, found
// without a URL parser: after each '@', the text from the first ':' after
// the scheme's "//" (or after the first ':' when there is no "//") up to
// that '@' (a password, however the URL is malformed); and the value of
// every query parameter whose name says password, secret or token.
func secretSpans(raw string) [][2]int {
	var spans [][2]int
	start := 0
	if i := strings.Index(raw, "//"); i >= 0 {
		start = i + 2
	} else if i := strings.IndexByte(raw, ':'); i >= 0 {
		start = i + 1
	}
	for j := start; j < len(raw); j++ {
		if raw[j] != '@' {
			continue
		}
		if k := strings.IndexByte(raw[start:j], ':'); k >= 0 {
			spans = append(spans, [2]int{start + k + 1, j})
		}
	}
	if q := strings.IndexByte(raw, '?'); q >= 0 {
		pos := q + 1
		for _, kv := range strings.FieldsFunc(raw[q+1:], func(r rune) bool { return r == '&' || r == ';' || r == '#' }) {
			i := strings.Index(raw[pos:], kv) + pos
			pos = i + len(kv)
			name, _, ok := strings.Cut(kv, "=")
			n := strings.ToLower(name)
			if ok && (strings.Contains(n, "pass") || strings.Contains(n, "secret") || strings.Contains(n, "token")) {
				spans = append(spans, [2]int{i + len(name) + 1, i + len(kv)})
			}
		}
	}
	return spans
}

// leaked returns a piece of a secret span of raw found in out, if any: the
// whole secret or any 6 bytes of it (a truncated secret printed in part),
// raw or percent-decoded, unless that piece also occurs in raw outside the
// secret or in masked (what the same call printed with the secret replaced).
func leaked(out, masked, raw string, s [2]int) string {
	secret := raw[s[0]:s[1]]
	rest := raw[:s[0]] + "\x00" + raw[s[1]:]
	forms := []string{secret}
	if u, err := url.PathUnescape(secret); err == nil {
		forms = append(forms, u)
	}
	for _, f := range forms {
		const w = 6
		if len(f) < 4 {
			continue
		}
		var pieces []string
		if len(f) <= w {
			pieces = []string{f}
		} else {
			for i := 0; i+w <= len(f); i++ {
				pieces = append(pieces, f[i:i+w])
			}
		}
		for _, p := range pieces {
			if strings.Contains(out, p) && !strings.Contains(rest, p) && !strings.Contains(masked, p) {
				return p
			}
		}
	}
	return ""
}

// mask replaces the letters and digits of a secret by 'Q' and keeps its
// punctuation and percent-escapes, so that the URL keeps its shape (and
// Open its answer) with none of the secret's own text.
func mask(secret string) string {
	b := []byte(secret)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '%':
			i += 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b[i] = 'Q'
		}
	}
	return string(b)
}

// openText returns what Open shows of raw: its error, or the client's
// String().
func openText(raw string) string {
	c, err := mq.Open(context.Background(), raw)
	if err != nil {
		return err.Error()
	}
	defer c.Close(context.Background())
	return c.String()
}

// FuzzOpenURL: whatever the URL, no secret-looking part of it (a password,
// however malformed the URL; a password, secret or token parameter) appears
// in Open's error or in the client's String(); and what Open accepts has a
// scheme, "//", no fragment and no more than one '@'.
func FuzzOpenURL(f *testing.F) {
	for _, s := range []string{
		"fakemq://user:hunter2@host:5672/vh?mode=topic",
		"fakemq:admin:hunter2@127.0.0.2:5999/prod",
		"fakemq:/user:hunter2@host",
		"fakemq//user:hunter2@host",
		"fakemq://user:hunt#er2@host",
		"fakemq://user:hunt/er2@host",
		"fakemq://h1:9092,h2?sasl_password=hunter2",
		"fakemq://h:1?sasl_user=u;sasl_password=hunter2",
		"fakemq://h:1?sasl_password=hunt%zzer2",
		"fakemq://user:hunter2@host:/",
		"fakemq://h?secret_key=abcdef&access_key=k",
		"fakemq://u:p%40ss%23word@h:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.HasPrefix(strings.ToLower(raw), "memory:") {
			return // a real backend of this test binary: its own URL tests cover it
		}
		c, err := mq.Open(context.Background(), raw)
		var out string
		if err != nil {
			out = err.Error()
		} else {
			out = c.String()
			c.Close(context.Background())
			if !strings.HasPrefix(strings.ToLower(raw), "fakemq://") || strings.Contains(raw, "#") || strings.Count(raw, "@") > 1 {
				t.Fatalf("Open accepted %q", raw)
			}
		}
		for _, s := range secretSpans(raw) {
			masked := openText(raw[:s[0]] + mask(raw[s[0]:s[1]]) + raw[s[1]:])
			if p := leaked(out, masked, raw, s); p != "" {
				t.Fatalf("Open(%q) shows %q of the secret %q: %s", raw, p, raw[s[0]:s[1]], out)
			}
		}
	})
}
