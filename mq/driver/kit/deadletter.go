package kit

import (
	"strconv"

	"github.com/unimq/unimq/mq/driver"
)

// DeadLetterHeaders returns the headers a dead letter of m carries: m's own
// plus driver.HeaderDeadReason, driver.HeaderDeadTopic, driver.HeaderDeadGroup and
// driver.HeaderDeadAttempts. Drivers use it in
// driver.Subscription.DeadLetter.
func DeadLetterHeaders(m *driver.Message, topic, group, reason string) map[string]string {
	h := make(map[string]string, len(m.Headers)+4)
	for k, v := range m.Headers {
		h[k] = v
	}
	h[driver.HeaderDeadReason] = reason
	h[driver.HeaderDeadTopic] = topic
	h[driver.HeaderDeadGroup] = group
	h[driver.HeaderDeadAttempts] = strconv.Itoa(m.Attempt)
	return h
}
