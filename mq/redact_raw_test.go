package mq

import (
	"strings"
	"testing"
)

// An unparsable URL's error shows neither its query, its user info nor raw
// control characters.
func TestRedactRawDropsQueryAndUserInfo(t *testing.T) {
	for _, raw := range []string{
		"kafka://h1:9092,h2?sasl_password=hunter2",
		"kafka://h1:9092,h2?a=1&sasl_password=hunter2\nx",
		"kafka://u:hunter2@h1:9092,h2",
		"kafka://u:hun?ter2@h1:9092,h2",
		"kafka://h1:9092,h2#hunter2",
	} {
		got := redactRaw(raw)
		if strings.Contains(got, "hunter2") || strings.Contains(got, "ter2") || strings.ContainsAny(got, "\n\r") {
			t.Errorf("redactRaw(%q) = %q", raw, got)
		}
	}
}
