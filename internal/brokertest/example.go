package brokertest

import (
	"context"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// RunExample runs an example program's run function against the broker at
// url (given to it as MQ_URL, as `MQ_URL=... go run` does) with a deadline,
// then checks that it left no goroutine behind.
func RunExample(t *testing.T, url string, run func(ctx context.Context) error) {
	t.Helper()
	t.Setenv(mq.EnvURL, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		t.Fatal(err)
	}
	VerifyNoLeaks(t, 10*time.Second)
}

// TestSuffix makes a name unique to this test run ("-test-150405.000000").
func TestSuffix() string { return "-test-" + time.Now().Format("150405.000000") }
