package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
)

// The example leaves no goroutine behind (internal/brokertest's rocketmq
// import starts go-cache's process-wide janitor).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/patrickmn/go-cache.(*janitor).Run"))
}

// The example runs to completion against the test broker.
func TestExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	queue += "-test-" + time.Now().Format("150405.000000")
	var out bytes.Buffer
	if err := run(ctx, brokertest.AMQPURL(t), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
}
