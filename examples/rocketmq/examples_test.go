// Package rocketmqexamples runs every RocketMQ example against the test
// broker. The examples are built without the race detector: rocketmq-client-go
// v2.1.2 has data races of its own (see the rocketmq package documentation),
// which would fail them at random; the adapter's own code is race-tested in
// package rocketmq.
package rocketmqexamples

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

var examples = []string{"sync", "async", "oneway", "tags", "delay", "transaction", "orderly", "broadcast", "pull"}

func TestExamples(t *testing.T) {
	url := brokertest.RocketMQURL(t)
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go", "run", "-race=false", "./"+name)
			cmd.Env = append(os.Environ(), "MQ_URL="+url)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go run ./%s: %v\n%s", name, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
