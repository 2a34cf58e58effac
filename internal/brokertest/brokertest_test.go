package brokertest

import (
	"reflect"
	"testing"
)

func TestURLHosts(t *testing.T) {
	cases := []struct {
		raw, def string
		want     []string
	}{
		{"kafka://127.0.0.1:9092", "9092", []string{"127.0.0.1:9092"}},
		{"kafka://h1:1,h2", "9092", []string{"h1:1", "h2:9092"}},
		{"amqp://guest:guest@127.0.0.1:5672/", "5672", []string{"127.0.0.1:5672"}},
		{"amqp://u:p@host/vhost?heartbeat=5", "5672", []string{"host:5672"}},
		{"rocketmq://[::1]:9876,10.0.0.1", "9876", []string{"[::1]:9876", "10.0.0.1:9876"}},
	}
	for _, c := range cases {
		got, err := urlHosts(c.raw, c.def)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("urlHosts(%q) = %v, %v; want %v", c.raw, got, err, c.want)
		}
	}
	for _, bad := range []string{"127.0.0.1:9092", "kafka://", "kafka:///x"} {
		if _, err := urlHosts(bad, "1"); err == nil {
			t.Errorf("urlHosts(%q): want an error", bad)
		}
	}
}

func TestRequired(t *testing.T) {
	t.Setenv(EnvRequire, "1")
	if !Required() {
		t.Error("Required() = false with 1")
	}
	t.Setenv(EnvRequire, "")
	if Required() {
		t.Error("Required() = true when unset")
	}
}

func TestAMQPURIScheme(t *testing.T) {
	t.Setenv(EnvAMQPURL, "rabbitmq://guest:guest@127.0.0.1:1/")
	t.Setenv(EnvRequire, "")
	// Port 1 is closed: the helper must skip (not fail) when brokers are not required.
	ok := t.Run("skips", func(t *testing.T) {
		AMQPURI(t)
		t.Error("AMQPURI returned although the broker is unreachable")
	})
	if !ok {
		t.Fatal("subtest failed")
	}
}
