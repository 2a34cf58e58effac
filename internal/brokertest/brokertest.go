// Package brokertest lets integration tests find the real brokers started by
// scripts/brokers.sh (or docker-compose.yml) and skip, or fail, when they are not there.
//
// Addresses come from environment variables, with defaults matching scripts/brokers.sh:
//
//	UNIMQ_KAFKA_URL     kafka://127.0.0.1:9092                (several hosts: kafka://h1:9092,h2:9092)
//	UNIMQ_AMQP_URL      amqp://guest:guest@127.0.0.1:5672/
//	UNIMQ_ROCKETMQ_URL  rocketmq://127.0.0.1:9876             (name servers, comma separated)
//	UNIMQ_ROCKETMQ_BROKER  127.0.0.1:10911                    (broker address, for topic creation)
//
// Every accessor takes the test, dials the broker (TCP, short timeout) and, when it cannot be
// reached, skips the test with a hint ("run: make brokers-up"), or fails it when
// UNIMQ_REQUIRE_BROKERS=1 (as `make test` and CI set), so a missing broker never passes silently.
package brokertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// Environment variable names and their defaults.
const (
	EnvRequire        = "UNIMQ_REQUIRE_BROKERS"
	EnvKafkaURL       = "UNIMQ_KAFKA_URL"
	EnvAMQPURL        = "UNIMQ_AMQP_URL"
	EnvRocketMQURL    = "UNIMQ_ROCKETMQ_URL"
	EnvRocketMQBroker = "UNIMQ_ROCKETMQ_BROKER"

	DefaultKafkaURL       = "kafka://127.0.0.1:9092"
	DefaultAMQPURL        = "amqp://guest:guest@127.0.0.1:5672/"
	DefaultRocketMQURL    = "rocketmq://127.0.0.1:9876"
	DefaultRocketMQBroker = "127.0.0.1:10911"
)

// DialTimeout bounds each reachability check.
var DialTimeout = 2 * time.Second

// Required reports whether UNIMQ_REQUIRE_BROKERS=1 (or true): then an unreachable broker fails
// the test instead of skipping it.
func Required() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvRequire))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// KafkaURL returns UNIMQ_KAFKA_URL (default kafka://127.0.0.1:9092) once every listed host
// answers; otherwise it skips or fails t.
func KafkaURL(t testing.TB) string {
	t.Helper()
	u := env(EnvKafkaURL, DefaultKafkaURL)
	hosts, err := urlHosts(u, "9092")
	if err != nil {
		t.Fatalf("brokertest: bad %s=%q: %v", EnvKafkaURL, u, err)
	}
	need(t, "kafka", hosts...)
	return u
}

// KafkaAddrs returns the host:port list of UNIMQ_KAFKA_URL for raw clients (sarama), after the
// same reachability check as KafkaURL.
func KafkaAddrs(t testing.TB) []string {
	t.Helper()
	hosts, _ := urlHosts(KafkaURL(t), "9092")
	return hosts
}

// AMQPURL returns UNIMQ_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/) once its host
// answers; otherwise it skips or fails t.
func AMQPURL(t testing.TB) string {
	t.Helper()
	u := env(EnvAMQPURL, DefaultAMQPURL)
	hosts, err := urlHosts(u, "5672")
	if err != nil {
		t.Fatalf("brokertest: bad %s=%q: %v", EnvAMQPURL, u, err)
	}
	need(t, "rabbitmq", hosts...)
	return u
}

// AMQPURI returns the URI to give amqp091.Dial: UNIMQ_AMQP_URL with a unimq-only scheme such as
// rabbitmq:// turned into amqp://. Same reachability check as AMQPURL.
func AMQPURI(t testing.TB) string {
	t.Helper()
	u := AMQPURL(t)
	if i := strings.Index(u, "://"); i > 0 {
		switch strings.ToLower(u[:i]) {
		case "amqp", "amqps":
		default:
			u = "amqp" + u[i:]
		}
	}
	return u
}

// RocketMQURL returns UNIMQ_ROCKETMQ_URL (default rocketmq://127.0.0.1:9876) once every name
// server and the broker (UNIMQ_ROCKETMQ_BROKER, default 127.0.0.1:10911) answer; otherwise it
// skips or fails t. It also quiets rocketmq-client-go's logging (see QuietRocketMQLogs).
func RocketMQURL(t testing.TB) string {
	t.Helper()
	QuietRocketMQLogs()
	u := env(EnvRocketMQURL, DefaultRocketMQURL)
	hosts, err := urlHosts(u, "9876")
	if err != nil {
		t.Fatalf("brokertest: bad %s=%q: %v", EnvRocketMQURL, u, err)
	}
	need(t, "rocketmq", append(hosts, env(EnvRocketMQBroker, DefaultRocketMQBroker))...)
	return u
}

// RocketMQNameServers returns the name server host:port list of UNIMQ_ROCKETMQ_URL, after the
// same checks as RocketMQURL.
func RocketMQNameServers(t testing.TB) []string {
	t.Helper()
	hosts, _ := urlHosts(RocketMQURL(t), "9876")
	return hosts
}

// RocketMQBrokerAddr returns the broker address (UNIMQ_ROCKETMQ_BROKER, default
// 127.0.0.1:10911), after the same checks as RocketMQURL.
func RocketMQBrokerAddr(t testing.TB) string {
	t.Helper()
	RocketMQURL(t)
	return env(EnvRocketMQBroker, DefaultRocketMQBroker)
}

var quietOnce sync.Once

// QuietRocketMQLogs lowers rocketmq-client-go's global logrus logger to "error" (or to
// UNIMQ_ROCKETMQ_LOG_LEVEL when set), once per process: by default it prints every heartbeat.
func QuietRocketMQLogs() {
	quietOnce.Do(func() {
		rlog.SetLogLevel(env("UNIMQ_ROCKETMQ_LOG_LEVEL", "error"))
	})
}

// RocketMQEnsureTopic creates topic with the given number of read/write queues on the broker at
// brokerAddr (idempotent: an existing topic is updated) and waits until the name servers return
// its route with at least that many writable queues, so that clients started afterwards find it
// at once instead of waiting for their 30 s route refresh. ctx bounds the whole wait.
func RocketMQEnsureTopic(ctx context.Context, nameservers []string, brokerAddr, topic string, queues int) error {
	QuietRocketMQLogs()
	if queues <= 0 {
		queues = 4
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	newAdmin := func() (admin.Admin, error) {
		adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver(nameservers)))
		if err != nil {
			return nil, fmt.Errorf("brokertest: rocketmq admin: %w", err)
		}
		return adm, nil
	}
	create := func() error {
		adm, err := newAdmin()
		if err != nil {
			return err
		}
		defer adm.Close()
		return adm.CreateTopic(ctx,
			admin.WithTopicCreate(topic),
			admin.WithBrokerAddrCreate(brokerAddr),
			admin.WithReadQueueNums(queues),
			admin.WithWriteQueueNums(queues))
	}
	// routed asks the name servers with a new admin client each time (one caches routes).
	routed := func() error {
		adm, err := newAdmin()
		if err != nil {
			return err
		}
		defer adm.Close()
		mqs, err := adm.FetchPublishMessageQueues(ctx, topic)
		if err != nil {
			return err
		}
		if len(mqs) < queues {
			return fmt.Errorf("route has %d writable queues, want %d", len(mqs), queues)
		}
		return nil
	}
	if err := create(); err != nil {
		return fmt.Errorf("brokertest: create rocketmq topic %q on %s: %w", topic, brokerAddr, err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for attempt := 1; ; attempt++ {
		last := routed()
		if last == nil {
			return nil
		}
		if attempt%20 == 0 { // the broker may have dropped the request: ask again
			_ = create()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("brokertest: rocketmq topic %q has no route at %v: %v (%w)", topic, nameservers, last, ctx.Err())
		case <-tick.C:
		}
	}
}

// need dials every address; when one is unreachable it fails (Required) or skips t.
func need(t testing.TB, broker string, addrs ...string) {
	t.Helper()
	var errs []error
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, DialTimeout)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_ = c.Close()
	}
	if len(errs) == 0 {
		return
	}
	msg := fmt.Sprintf("brokertest: %s not reachable (%v); run: make brokers-up (or scripts/brokers.sh up %s)",
		broker, errors.Join(errs...), broker)
	if Required() {
		t.Fatalf("%s [%s=1]", msg, EnvRequire)
	}
	t.Skip(msg)
}

// urlHosts returns the host:port list of a URL such as kafka://user:pw@h1:9092,h2/x?y
// (default port added where missing).
func urlHosts(raw, defPort string) ([]string, error) {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	} else {
		return nil, errors.New("missing scheme://")
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	var hosts []string
	for _, h := range strings.Split(rest, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defPort)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, errors.New("no host")
	}
	return hosts, nil
}
