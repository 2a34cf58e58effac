package main

import (
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// The example runs to completion against the test broker and leaves no
// goroutine behind.
func TestExample(t *testing.T) {
	t.Setenv("MQ_URL", brokertest.KafkaURL(t))
	if err := run(); err != nil {
		t.Fatal(err)
	}
	brokertest.VerifyNoLeaks(t, 10*time.Second)
}
