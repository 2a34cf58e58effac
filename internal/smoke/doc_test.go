// Package smoke checks, with the raw client libraries and no unimq code, that the brokers
// started by scripts/brokers.sh accept a message and give it back. When a broker is down the
// tests skip (or fail with UNIMQ_REQUIRE_BROKERS=1); see internal/brokertest.
package smoke

import (
	"fmt"
	"time"
)

// uniqueName returns a topic/queue name no earlier run used.
func uniqueName(prefix string) string {
	return fmt.Sprintf("unimq-smoke-%s-%d", prefix, time.Now().UnixNano())
}
