package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestQuickstart runs the quick start on memory:// (MQ_URL unset), as the
// README's first command does.
func TestQuickstart(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Setenv("MQ_URL", "")
	if err := run(); err != nil {
		t.Fatal(err)
	}
}
