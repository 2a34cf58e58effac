package brokertest

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// RunAMQPExample runs an example's run function against the test RabbitMQ
// with a deadline, failing t with the example's output when it fails.
func RunAMQPExample(t *testing.T, run func(ctx context.Context, url string, out io.Writer) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, AMQPURL(t), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
}

// TestSuffix makes a name unique to this test run ("-test-150405.000000").
func TestSuffix() string { return "-test-" + time.Now().Format("150405.000000") }
