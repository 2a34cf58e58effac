package brokertest

import "testing"

// Environment variables for the secured RocketMQ cluster, and their defaults (the fixed test
// values of scripts/brokers.sh, target rocketmq-acl).
const (
	EnvRocketMQACLURL    = "UNIMQ_ROCKETMQ_ACL_URL"    // name server(s) of the secured cluster, no credentials
	EnvRocketMQACLBroker = "UNIMQ_ROCKETMQ_ACL_BROKER" // its broker
	EnvRocketMQACLUser   = "UNIMQ_ROCKETMQ_ACL_ACCESS_KEY"
	EnvRocketMQACLSecret = "UNIMQ_ROCKETMQ_ACL_SECRET_KEY"

	DefaultRocketMQACLURL    = "rocketmq://127.0.0.1:9886"
	DefaultRocketMQACLBroker = "127.0.0.1:10931"
	DefaultRocketMQACLUser   = "unimq"
	DefaultRocketMQACLSecret = "unimq-rocketmq-secret"
)

// RocketMQACL is where and how to reach the secured test RocketMQ: scripts/brokers.sh runs a
// second cluster (its own name server, so the plain cluster's routes never lead to it) whose
// broker has ACL 2.0 authentication on, with one super user.
type RocketMQACL struct {
	URL       string // rocketmq://name-server, without credentials
	Broker    string // host:port of the secured broker
	AccessKey string // the user's name
	SecretKey string // its password
}

// RocketMQSecure returns the secured cluster once its name server and broker answer; otherwise
// it skips t, or fails it when UNIMQ_REQUIRE_BROKERS=1, like RocketMQURL.
func RocketMQSecure(t testing.TB) RocketMQACL {
	t.Helper()
	QuietRocketMQLogs()
	s := RocketMQACL{
		URL:       env(EnvRocketMQACLURL, DefaultRocketMQACLURL),
		Broker:    env(EnvRocketMQACLBroker, DefaultRocketMQACLBroker),
		AccessKey: env(EnvRocketMQACLUser, DefaultRocketMQACLUser),
		SecretKey: env(EnvRocketMQACLSecret, DefaultRocketMQACLSecret),
	}
	hosts, err := urlHosts(s.URL, "9876")
	if err != nil {
		t.Fatalf("brokertest: bad %s=%q: %v", EnvRocketMQACLURL, s.URL, err)
	}
	need(t, "rocketmq-acl", append(hosts, s.Broker)...)
	return s
}
