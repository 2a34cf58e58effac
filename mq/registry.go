package mq

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
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
// program. Unknown schemes, unknown URL parameters and URLs that are not
// exactly well formed ("scheme://" required; '@', '#', '/', '?' and '%'
// percent-escaped in user names and passwords; no '#' at all; '&' between
// parameters; no control characters; no empty port) are ErrInvalidOption,
// and that error never repeats the URL.
// Open blocks until the backend is reachable or ctx is done.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Client, error) {
	c, err := open(ctx, rawURL, opts)
	if err != nil {
		return nil, driver.Stamp(backendOf(rawURL), "open", err)
	}
	return c, nil
}

// backendNames maps the schemes whose backend has another name.
var backendNames = map[string]string{"amqp": "rabbitmq", "amqps": "rabbitmq"}

// backendOf names the backend of rawURL for Open's errors before a client
// exists: its scheme's backend when the scheme is registered, else "" (an
// unregistered or malformed scheme is not repeated: it may be part of a
// secret).
func backendOf(rawURL string) string {
	n := schemeLen(rawURL)
	if n == 0 {
		return ""
	}
	scheme := strings.ToLower(rawURL[:n])
	registryMu.RLock()
	_, ok := registry[scheme]
	registryMu.RUnlock()
	if !ok {
		return ""
	}
	if b, ok := backendNames[scheme]; ok {
		return b
	}
	return scheme
}

func open(ctx context.Context, rawURL string, opts []Option) (*Client, error) {
	s := newSettings()
	if err := s.applyAll("open", forOpen, opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxErr("open", err)
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
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
	withLevel(s)
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
	c := newClient(conn, s, kit.Redact(u))
	for _, f := range s.opened {
		f(c)
	}
	return c, nil
}

// OpenEnv opens the URL in the environment variable MQ_URL, or fallback when
// it is unset or empty (pass "" to require it).
func OpenEnv(ctx context.Context, fallback string, opts ...Option) (*Client, error) {
	u := os.Getenv(EnvURL)
	if u == "" {
		u = fallback
	}
	if u == "" {
		return nil, driver.Stamp("", "open", driver.Errorf(driver.CodeInvalidOption, "open", "environment variable %s is not set", EnvURL))
	}
	return Open(ctx, u, opts...)
}
