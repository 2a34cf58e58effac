package memory

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Scheme is the URL scheme of the memory backend.
const Scheme = "memory"

// Defaults of the per-client URL parameters.
const (
	DefaultTxCheck  = time.Second
	DefaultTxChecks = 15
)

func init() {
	mq.Register(Scheme, open)
}

// options are the parsed URL of one client.
type options struct {
	name     string
	cfg      Config
	explicit map[string]bool
	txCheck  time.Duration
	txChecks int
}

func parseURL(u *url.URL) (*options, error) {
	const op = "open"
	if u.Scheme != Scheme {
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "scheme %q is not %q", u.Scheme, Scheme)
	}
	switch {
	case u.Opaque != "":
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "malformed memory URL: want memory:// or memory://NAME")
	case u.User != nil:
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "memory URL takes no user or password")
	case u.Fragment != "":
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "memory URL takes no fragment")
	}
	q := u.Query()
	// The name is everything between "//" and "?", so "memory://"+t.Name()
	// works for subtests too; one trailing slash is ignored.
	o := &options{name: strings.TrimSuffix(u.Host+u.Path, "/"), explicit: map[string]bool{}}
	for k := range q {
		o.explicit[k] = true
	}
	p := driver.NewParams(Scheme, q)
	o.cfg.Partitions = p.Int("partitions", DefaultPartitions)
	o.cfg.MaxBacklog = p.Int("maxbacklog", DefaultMaxBacklog)
	if p.Enum("full", "block", "block", "fail") == "fail" {
		o.cfg.Full = Fail
	}
	o.cfg.MaxMessageSize = p.Int("maxsize", DefaultMaxMessageSize)
	o.cfg.CopyBodies = p.Bool("copybodies", false)
	o.txCheck = p.Duration("txcheck", DefaultTxCheck)
	o.txChecks = p.Int("txchecks", DefaultTxChecks)
	if err := p.Err(); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		name string
		v    int64
	}{{"partitions", int64(o.cfg.Partitions)}, {"maxbacklog", int64(o.cfg.MaxBacklog)}, {"maxsize", int64(o.cfg.MaxMessageSize)},
		{"txcheck", int64(o.txCheck)}, {"txchecks", int64(o.txChecks)}} {
		if x.v == 0 {
			return nil, driver.Errorf(driver.CodeInvalidOption, op, "URL parameter %s must be positive", x.name)
		}
	}
	return o, nil
}

func open(ctx context.Context, u *url.URL, cfg *driver.OpenConfig) (driver.Conn, error) {
	o, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &driver.Error{Code: driver.CodeOf(err), Op: "open", Err: err}
	}
	b, err := acquire(o.name, o.cfg, o.explicit)
	if err != nil {
		return nil, err
	}
	return newConn(b, o, cfg), nil
}
