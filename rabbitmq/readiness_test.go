package rabbitmq_test

import (
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestReadiness: a subscriber whose connections go through a proxy that is
// cut for 3 s reports Connected false during the outage and true after it,
// and handles every message published (on a direct connection) before,
// during and after.
func TestReadiness(t *testing.T) {
	p, url := newProxy(t, brokertest.AMQPURL(t))
	pub := openURL(t, brokertest.AMQPURL(t))
	sub := openURL(t, url)
	brokertest.Readiness(t, pub, sub, unique("ready"), "g", 3*time.Second, 30*time.Second, p.cut)
}
