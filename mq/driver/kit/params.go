package kit

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Params reads URL query parameters once, with typed accessors and defaults,
// and reports every parameter nobody asked for as an invalid option. Drivers
// use it so that URL parsing behaves the same on every backend:
//
//	p := kit.NewParams("kafka", u.Query())
//	parts := p.Int("partitions", 3)
//	if err := p.Err(); err != nil { return nil, err }
type Params struct {
	backend string
	q       url.Values
	used    map[string]bool
	err     error
}

// NewParams wraps the query q of a URL for backend.
func NewParams(backend string, q url.Values) *Params {
	return &Params{backend: backend, q: q, used: map[string]bool{}}
}

func (p *Params) get(name string) (string, bool) {
	p.used[name] = true
	vs, ok := p.q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	if len(vs) > 1 && p.err == nil {
		p.err = &driver.Error{Code: driver.CodeInvalidOption, Op: "open", Msg: fmt.Sprintf("URL parameter %q given %d times", name, len(vs))}
	}
	return vs[0], true
}

func (p *Params) fail(name, v, want string) {
	if p.err == nil {
		if isSecretParam(name) {
			v = "xxxxx"
		}
		p.err = &driver.Error{Code: driver.CodeInvalidOption, Op: "open", Msg: fmt.Sprintf("URL parameter %s=%q: want %s", name, v, want)}
	}
}

// String returns parameter name, or def when absent.
func (p *Params) String(name, def string) string {
	if v, ok := p.get(name); ok {
		return v
	}
	return def
}

// Enum returns parameter name, which must be one of allowed, or def.
func (p *Params) Enum(name, def string, allowed ...string) string {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, v, "one of "+strings.Join(allowed, ", "))
	return def
}

// Int returns parameter name as a non-negative int, or def. A value that
// does not fit an int is refused, never wrapped; use IntRange when the
// backend has a smaller limit (a 32-bit field, a broker maximum).
func (p *Params) Int(name string, def int) int {
	return p.IntRange(name, def, 0, math.MaxInt)
}

// IntRange returns parameter name as an int from min to max (inclusive), or
// def when absent. Anything else (not a decimal integer, a sign where none
// belongs, a value that overflows, one outside the range) is an invalid
// option naming the range: nothing is wrapped or clamped.
func (p *Params) IntRange(name string, def, min, max int) int {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	want := fmt.Sprintf("an integer from %d to %d", min, max)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < int64(min) || n > int64(max) || strings.HasPrefix(v, "+") {
		p.fail(name, v, want)
		return def
	}
	return int(n)
}

// Bool returns parameter name as a bool, or def.
func (p *Params) Bool(name string, def bool) bool {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, v, "true or false")
		return def
	}
	return b
}

// Duration returns parameter name as a non-negative time.Duration ("250ms"), or def.
func (p *Params) Duration(name string, def time.Duration) time.Duration {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(name, v, "a non-negative duration such as 250ms or 5s")
		return def
	}
	return d
}

// Err returns the first malformed parameter, or an unknown one: a parameter
// present in the URL that no accessor asked for.
func (p *Params) Err() error {
	if p.err != nil {
		return p.err
	}
	var unknown []string
	for k := range p.q {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var known []string
		for k := range p.used {
			known = append(known, k)
		}
		sort.Strings(known)
		shown := make([]string, 0, len(unknown))
		hidden := 0
		for _, k := range unknown {
			if plainParamName(k) {
				shown = append(shown, k)
			} else {
				hidden++
			}
		}
		if hidden > 0 {
			// A name of other characters may be a secret's tail (an
			// unescaped '&' in a value) or carry control characters.
			shown = append(shown, fmt.Sprintf("%d not shown (not a plain name)", hidden))
		}
		return &driver.Error{Code: driver.CodeInvalidOption, Op: "open",
			Msg: fmt.Sprintf("unknown URL parameter %s (known: %s)", strings.Join(shown, ", "), strings.Join(known, ", "))}
	}
	return nil
}

// plainParamName reports whether an unknown parameter name may be shown in
// an error: 1 to 32 of a-z, A-Z, 0-9 and '_'.
func plainParamName(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

var secretParams = []string{"password", "secret", "token", "key", "pass", "credential"}

func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range secretParams {
		if strings.Contains(n, s) && n != "key" {
			return true
		}
	}
	return false
}

// Redact returns u as a string with the password and every secret-looking
// query parameter (password, secret, token, access/secret keys...) replaced by
// "xxxxx". Use it whenever a URL is printed or logged.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if isSecretParam(k) {
				q[k] = []string{"xxxxx"}
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}
