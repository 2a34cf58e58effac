package memory

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// Scheme is the URL scheme of the memory backend.
const Scheme = "memory"

// Defaults and upper bounds of the per-client URL parameters.
const (
	DefaultTxCheck  = time.Second
	DefaultTxChecks = 15
	MaxTxCheck      = time.Hour
	MaxTxChecks     = 1_000_000
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

// parseURL reads a memory URL. Anything not exactly well formed is an
// error matching mq.ErrInvalidOption that echoes no part of the URL but
// parameter names and values (a memory URL holds no secret, and one with a
// user or password is refused without printing them).
func parseURL(u *url.URL) (*options, error) {
	const op = "open"
	if u.Scheme != Scheme {
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "scheme %q is not %q", u.Scheme, Scheme)
	}
	switch {
	case u.Opaque != "", u.OmitHost && u.Path != "":
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "malformed memory URL: want memory:// or memory://NAME")
	case u.User != nil:
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "URL takes no user or password")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "URL takes no fragment")
	}
	// url.URL.Query drops malformed pairs ("a=1;b=2", "%zz") silently.
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "malformed query in memory URL: want name=value pairs joined by &, values %%-escaped")
	}
	// The name is everything between "//" and "?", so "memory://"+t.Name()
	// works for subtests too; one trailing slash is ignored.
	o := &options{name: strings.TrimSuffix(u.Host+u.Path, "/"), explicit: map[string]bool{}}
	for k := range q {
		o.explicit[k] = true
	}
	p := kit.NewParams(Scheme, q)
	o.cfg.Like = Like(p.Enum("like", "", string(LikeKafka), string(LikeRabbitMQ), string(LikeRocketMQ)))
	o.cfg.Partitions = p.Int("partitions", DefaultPartitions)
	o.cfg.MaxBacklog = p.Int("maxbacklog", DefaultMaxBacklog)
	if p.Enum("full", "block", "block", "fail") == "fail" {
		o.cfg.Full = Fail
	}
	o.cfg.MaxMessageSize = p.Int("maxsize", 0) // 0: the default of like
	o.cfg.CopyBodies = p.Bool("copybodies", false)
	o.txCheck = p.Duration("txcheck", DefaultTxCheck)
	o.txChecks = p.Int("txchecks", DefaultTxChecks)
	if err := p.Err(); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		name   string
		v, max int64
	}{{"partitions", int64(o.cfg.Partitions), MaxPartitions}, {"maxbacklog", int64(o.cfg.MaxBacklog), MaxMaxBacklog},
		{"maxsize", int64(o.cfg.MaxMessageSize), MaxMaxMessageSize}, {"txchecks", int64(o.txChecks), MaxTxChecks}} {
		if (x.v == 0 && (x.name != "maxsize" || q.Has("maxsize"))) || x.v > x.max {
			return nil, driver.Errorf(driver.CodeInvalidOption, op, "URL parameter %s=%d: want 1 to %d", x.name, x.v, x.max)
		}
	}
	if o.txCheck <= 0 || o.txCheck > MaxTxCheck {
		return nil, driver.Errorf(driver.CodeInvalidOption, op, "URL parameter txcheck=%v: want more than 0 and at most %v", o.txCheck, MaxTxCheck)
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
