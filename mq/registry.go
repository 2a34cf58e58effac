package mq

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/unimq/unimq/mq/driver"
)

// EnvURL is the environment variable OpenEnv reads.
const EnvURL = "MQ_URL"

var (
	registryMu sync.RWMutex
	registry   = map[string]driver.Opener{}
)

// knownSchemes maps schemes to the package whose import registers them, for
// the error an unregistered scheme gets.
var knownSchemes = map[string]string{
	"memory":   "github.com/unimq/unimq/memory",
	"kafka":    "github.com/unimq/unimq/kafka",
	"amqp":     "github.com/unimq/unimq/rabbitmq",
	"amqps":    "github.com/unimq/unimq/rabbitmq",
	"rocketmq": "github.com/unimq/unimq/rocketmq",
}

// Register makes a backend available under a URL scheme. Backend packages
// call it from init, as database/sql drivers do. It panics if scheme is
// registered twice or opener is nil (a programming error at init time).
func Register(scheme string, opener driver.Opener) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if opener == nil {
		panic("mq: Register opener is nil")
	}
	if _, dup := registry[scheme]; dup {
		panic("mq: Register called twice for scheme " + scheme)
	}
	registry[scheme] = opener
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s := make([]string, 0, len(registry))
	for k := range registry {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Open connects to the backend named by rawURL's scheme:
//
//	memory://                      the process-wide in-memory broker
//	kafka://host:9092,host2:9092   Kafka bootstrap brokers
//	amqp://user:pass@host:5672/vh  RabbitMQ (amqps:// for TLS)
//	rocketmq://host:9876;host2:9876 RocketMQ name servers
//
// The backend's package must be imported (for its init) somewhere in the
// program. Unknown schemes and unknown URL parameters are ErrInvalidOption.
// Open blocks until the backend is reachable or ctx is done.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Client, error) {
	s := newSettings()
	if err := s.applyAll("open", forOpen, opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxErr("open", err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url errors quote the URL: never echo it, it may hold a password.
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "malformed URL (%s)", redactRaw(rawURL))
	}
	if u.Scheme == "" {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL %q has no scheme; want one of %s", driver.Redact(u), strings.Join(Schemes(), ", "))
	}
	registryMu.RLock()
	opener := registry[u.Scheme]
	registryMu.RUnlock()
	if opener == nil {
		hint := ""
		if pkg, ok := knownSchemes[u.Scheme]; ok {
			hint = fmt.Sprintf("; add import _ %q", pkg)
		}
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "unknown URL scheme %q (registered: %s)%s", u.Scheme, strings.Join(Schemes(), ", "), hint)
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	cfg := &driver.OpenConfig{Logger: s.logger, Options: s.driverOpts}
	if s.txChecker != nil {
		chk := s.txChecker
		cfg.TxChecker = func(ctx context.Context, dm *driver.Message) driver.TxState {
			return chk(ctx, fromDriver(dm))
		}
	}
	conn, err := opener(ctx, u, cfg)
	if err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, "open", err)
	}
	return newClient(conn, s, driver.Redact(u)), nil
}

// OpenEnv opens the URL in the environment variable MQ_URL, or fallback when
// it is unset or empty (pass "" to require it).
func OpenEnv(ctx context.Context, fallback string, opts ...Option) (*Client, error) {
	u := os.Getenv(EnvURL)
	if u == "" {
		u = fallback
	}
	if u == "" {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "environment variable %s is not set", EnvURL)
	}
	return Open(ctx, u, opts...)
}

// redactRaw is what an error shows of an unparsable URL: its scheme and
// host part only. User info is hidden, the query and fragment (which may
// hold secrets) dropped, control characters replaced, the rest cut at 80
// bytes.
func redactRaw(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.LastIndex(s, "@"); j > i {
			s = s[:i+3] + "xxxxx" + s[j:]
		}
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + "?..."
	}
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
