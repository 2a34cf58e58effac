package main

import (
	"testing"

	"github.com/unimq/unimq/internal/brokertest"
)

// The example runs to completion against the test broker and leaves no
// goroutine behind.
func TestExample(t *testing.T) { brokertest.RunExample(t, brokertest.KafkaURL(t), run) }
