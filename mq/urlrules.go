package mq

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/unimq/unimq/mq/driver"
)

// parseURL parses a backend URL for Open and refuses anything that is not
// exactly well formed, with an ErrInvalidOption that names the problem
// without quoting the URL: a malformed URL is exactly where a password ends
// up in the wrong part (a host, a path, a fragment), so no part of it is
// echoed. The rules, beyond net/url's:
//
//   - scheme://... with the "//": an opaque URL (amqp:user:pw@host) or one
//     without a scheme (amqp//user:pw@host) would otherwise connect
//     somewhere else than meant, with default credentials;
//   - no control characters and valid UTF-8;
//   - no '#' (a fragment): an unescaped '#' in a password cut it short;
//   - at most one '@', inside the authority: '@', '/', '?' and '#' in user
//     names and passwords must be percent-escaped (%40, %2F, %3F, %23);
//   - a query of name=value pairs separated by '&' (a ';' silently dropped
//     the parameters around it);
//   - every host of the authority with a port has a non-empty one ("host:").
func parseURL(raw string) (*url.URL, error) {
	bad := func(why string) error {
		return driver.Errorf(driver.CodeInvalidOption, "open", "malformed URL: %s (the URL is not repeated here: it may hold credentials)", why)
	}
	if raw == "" {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "empty URL")
	}
	if !utf8.ValidString(raw) {
		return nil, bad("not valid UTF-8")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return nil, bad("it contains control characters (a newline?)")
		}
	}
	n := schemeLen(raw)
	switch {
	case n == 0:
		return nil, bad("no scheme; want scheme://..., with a scheme among " + strings.Join(Schemes(), ", "))
	case !strings.HasPrefix(raw[n:], "://"):
		return nil, bad("want scheme:// followed by the address (\"scheme:\" alone makes an opaque URL)")
	}
	if strings.Contains(raw, "#") {
		return nil, bad("it contains '#': escape it as %23 in passwords and values")
	}
	rest := raw[n+3:]
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.Count(rest, "@"); at > 1 || (at == 1 && strings.IndexByte(rest, '@') > end) {
		return nil, bad("more than one '@', or one after the host: escape '@', '/' and '?' in user names and passwords (%40, %2F, %3F)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// net/url's message quotes the URL or parts of it: only classify.
		msg := err.Error()
		switch {
		case strings.Contains(msg, "invalid URL escape"):
			return nil, bad("a malformed %-escape (write '%' as %25)")
		case strings.Contains(msg, "port"):
			return nil, bad("a malformed host or port (give each host as host:port)")
		case strings.Contains(msg, "userinfo"):
			return nil, bad("characters in the user name or password that must be percent-escaped")
		}
		return nil, bad("net/url cannot parse it")
	}
	if u.Opaque != "" || u.Fragment != "" {
		return nil, bad("want scheme://address")
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return nil, bad("a malformed query: separate parameters with '&' (not ';') and escape '%' and ';' in values")
	}
	for _, h := range strings.FieldsFunc(u.Host, func(r rune) bool { return r == ',' || r == ';' }) {
		if strings.HasSuffix(h, ":") {
			return nil, bad("a host with an empty port (\"host:\")")
		}
	}
	if strings.HasSuffix(u.Host, ",") || strings.HasSuffix(u.Host, ";") || strings.Contains(u.Host, ",,") || strings.Contains(u.Host, ";;") {
		return nil, bad("an empty host in the host list")
	}
	return u, nil
}

// schemeLen returns the length of the URL scheme raw starts with (RFC 3986:
// a letter, then letters, digits, '+', '-', '.'), followed by ':'; 0 when
// there is none.
func schemeLen(raw string) int {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i
		default:
			return 0
		}
	}
	return 0
}
