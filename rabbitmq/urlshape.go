package rabbitmq

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/unimq/unimq/mq/driver"
)

// checkShape refuses an amqp(s) URL that is not exactly
// scheme://[user[:password]@]host[:port][,host[:port]...][/vhost][?params]: amqp091 reads
// what it can of anything else and falls back to its defaults
// (amqp:user:pw@host connects to localhost:5672 as guest), and the parts it
// misreads can be secrets. The errors name the problem and never quote the
// URL.
func checkShape(u *url.URL) error {
	bad := func(why string) error {
		return driver.Errorf(driver.CodeInvalidOption, "open", "malformed AMQP URL: %s; want %s://[user[:password]@]host[:port][,host[:port]...][/vhost][?params]", why, u.Scheme)
	}
	switch {
	case u.Opaque != "":
		return bad("no // after the scheme")
	case u.Fragment != "" || u.RawFragment != "":
		return bad("it has a fragment (an unescaped '#'; write it %23 in a password)")
	case u.Host == "":
		return bad("no host")
	}
	for _, h := range splitNodes(u.Host) {
		if err := checkHost(h, bad); err != nil {
			return err
		}
	}
	if u.User != nil {
		if u.User.Username() == "" {
			return bad("empty user name before ':' or '@'")
		}
	}
	if strings.Contains(u.EscapedPath(), "@") || strings.Contains(u.RawQuery, "@") {
		// The rest of a user info cut by an unescaped '/' or '?'.
		return bad("an '@' after the host (an unescaped '/' or '?' in the user or password? write '@' as %40)")
	}
	if u.Path != "" && !strings.HasPrefix(u.Path, "/") {
		return bad("the vhost does not follow a '/'")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("the query does not parse (';' or a bad %-escape)")
	}
	for k := range q {
		if !paramName(k) {
			// Not a parameter name: perhaps part of a user or password
			// after an unescaped '?'. Never echo it.
			return bad("a query parameter name is not lower-case letters and '_' (an unescaped '?' in the user or password?)")
		}
	}
	return nil
}

func paramName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// checkHost checks one host[:port] of the URL's node list.
func checkHost(h string, bad func(string) error) error {
	host, port := h, ""
	if h == "" {
		return bad("an empty host in the node list")
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host, port = host[:i], host[i+1:]
		if port == "" {
			return bad("empty port after ':'")
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return bad("the port is not a number from 1 to 65535")
		}
	}
	if h := strings.Trim(host, "[]"); h == "" {
		return bad("no host")
	}
	if strings.ContainsAny(host, "@/?#") {
		return bad("the host holds '@', '/', '?' or '#' (an unescaped character in the user or password?)")
	}
	return nil
}
