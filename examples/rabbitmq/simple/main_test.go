package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// The example leaves no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, brokertest.ProcessGoroutines...) }

// The example runs to completion against the test broker.
func TestExample(t *testing.T) {
	queue += brokertest.TestSuffix()
	brokertest.RunAMQPExample(t, run)
}
