package rabbitmq

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// FuzzParseURL checks the amqp URL parser against two oracles: no password
// from the input ever shows in an error or in the redacted URL (logs,
// errors), and a URL it accepts means to amqp091 exactly what it means to
// net/url (same host, port, user, password and vhost), so nothing connects
// to another broker or as another user than the URL says. It never panics.
// Starting inputs: these and testdata/fuzz/FuzzParseURL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []struct {
		form           uint8
		user, pw, rest string
	}{
		{0, "admin", "hunter2", "127.0.0.2:5999/prod"},
		{1, "admin", "hunter2", "127.0.0.2:5999/prod"},
		{2, "user", "pw-secret", "host"},
		{3, "user", "pw-secret", "host"},
		{0, "user", "pa#ss-word", "host:5672/"},
		{0, "user", "12345678#ab", "host/"},
		{0, "user", "secret99", "host:"},
		{0, "user", "secret99", "host:0"},
		{0, "", "secret99", "host"},
		{0, "user", "secret99", "[::1]:5672/v"},
		{4, "user", "secret99", "host:5671/?tls_insecure=true"},
		{0, "user", "sec%25ret", "host/%2f"},
		{0, "user", "secret99", "host/?heartbeat=often"},
		{6, "admin", "hunter2", "127.0.0.2:5673,127.0.0.3:5674/prod"},
		{6, "admin", "hunter2", "h2:5673/?queue_type=quorum"},
		{7, "admin", "hunter2", "[::1]:5672"},
		{7, "admin", "hunter2", ""},
		{6, "admin", "hunter2", "h2:5673,"},
		{0, "admin", "hunter2", "h1,h2,h3/v"},
	} {
		f.Add(s.form, s.user, s.pw, s.rest)
	}
	f.Fuzz(func(t *testing.T, form uint8, user, pw, rest string) {
		var raw string
		switch form % 8 {
		case 0:
			raw = "amqp://" + user + ":" + pw + "@" + rest
		case 1:
			raw = "amqp:" + user + ":" + pw + "@" + rest
		case 2:
			raw = "amqp:/" + user + ":" + pw + "@" + rest
		case 3:
			raw = "amqp//" + user + ":" + pw + "@" + rest
		case 4:
			raw = "amqps://" + user + ":" + pw + "@" + rest
		case 6: // a node list
			raw = "amqp://" + user + ":" + pw + "@127.0.0.1:5672," + rest
		case 7: // a node list around the secret's position
			raw = "amqps://" + user + ":" + pw + "@h1:5671," + rest + ",h3:5671/v"
		default: // pw is no secret here: any shape of authority
			raw = "amqp://" + user + "@" + rest + pw
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") {
			return // mq.Open refuses these before any adapter sees them
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg, err := parseURL(ctx, u)
		secret := form%8 != 5 && len(pw) >= 6 && strings.Trim(pw, "x") != "" && !strings.Contains(user, pw) && !strings.Contains(rest, pw) &&
			!strings.Contains(pw, "amqp") && !strings.Contains(raw[:strings.Index(raw, pw)], pw)
		if err != nil {
			if secret && strings.Contains(err.Error(), pw) {
				t.Fatalf("error reveals the password %q: %v", pw, err)
			}
			return
		}
		if secret && strings.Contains(cfg.redacted, pw) && !sameRedaction(ctx, raw, pw, cfg.redacted) {
			t.Fatalf("redacted URL reveals the password %q: %s", pw, cfg.redacted)
		}
		hosts := strings.Split(u.Host, ",")
		if len(cfg.nodes) != len(hosts) {
			t.Fatalf("%d nodes from %d hosts in %q", len(cfg.nodes), len(hosts), cfg.redacted)
		}
		for i, nd := range cfg.nodes {
			// The label is the redacted URL (checked above) and the node.
			if secret && strings.Contains(strings.TrimPrefix(cfg.nodeLabel(i), cfg.redacted), pw) {
				t.Fatalf("node label reveals the password %q: %s", pw, cfg.nodeLabel(i))
			}
			one := *u
			one.Host = hosts[i]
			checkNode(t, &one, nd, cfg.redacted)
		}
	})
}

// checkNode checks that amqp091 reads the URL of one node as net/url reads u
// (u's host: that node).
func checkNode(t *testing.T, u *url.URL, nd node, redacted string) {
	t.Helper()
	uri, err := amqp.ParseURI(nd.amqpURL)
	if err != nil {
		t.Fatalf("accepted URL that amqp091 refuses: %v", err)
	}
	wantPort := u.Port()
	if wantPort == "" {
		wantPort = "5672"
		if u.Scheme == "amqps" {
			wantPort = "5671"
		}
	}
	gotPw, hasPw := u.User.Password()
	if !hasPw {
		gotPw = "guest" // amqp091's default password, for a user given without one
	}
	wantVhost := "/"
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		wantVhost = p
	}
	wantUser := u.User.Username()
	if u.User == nil {
		wantUser, gotPw = "guest", "guest"
	}
	if uri.Host != u.Hostname() || itoa(uri.Port) != wantPort || uri.Username != wantUser || uri.Password != gotPw || uri.Vhost != wantVhost {
		t.Fatalf("amqp091 reads %q as host %q port %d user %q vhost %q; net/url says host %q port %s user %q vhost %q",
			redacted, uri.Host, uri.Port, uri.Username, uri.Vhost, u.Hostname(), wantPort, wantUser, wantVhost)
	}
	if nd.addr != net.JoinHostPort(uri.Host, itoa(uri.Port)) {
		t.Fatalf("node of %q dials %q, amqp091 reads %s:%d", redacted, nd.addr, uri.Host, uri.Port)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{digits[n%10]}, b...)
	}
	return string(b)
}

// sameRedaction reports whether raw with another password of pw's shape
// (its letters and digits replaced, its other bytes kept, so the URL's
// structure is the same) redacts to redacted as well: then pw found in
// redacted is the URL's other text (a host list ending as pw does, say),
// not the password.
func sameRedaction(ctx context.Context, raw, pw, redacted string) bool {
	other := []byte(pw)
	for i, c := range other {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			other[i] = 'q'
			if c == 'q' {
				other[i] = 'z'
			}
		}
	}
	i := strings.Index(raw, pw)
	u, err := url.Parse(raw[:i] + string(other) + raw[i+len(pw):])
	if err != nil {
		return false
	}
	cfg, err := parseURL(ctx, u)
	return err == nil && cfg.redacted == redacted
}
