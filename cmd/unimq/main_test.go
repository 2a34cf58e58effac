package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/memory"
)

// TestMain: no goroutine is left behind, but those the client libraries
// start once per process and those rocketmq-client-go v2.1.2 leaves after
// Shutdown.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, append(brokertest.ProcessGoroutines, brokertest.RocketMQClientGoroutines...)...)
}

// result is one in-process run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// invoke runs `unimq args...` in-process with stdin and the given MQ_URL.
func invoke(t *testing.T, mqURL, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return invokeCtx(ctx, mqURL, strings.NewReader(stdin), args...)
}

func invokeCtx(ctx context.Context, mqURL string, stdin io.Reader, args ...string) result {
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "MQ_URL" {
			return mqURL
		}
		return os.Getenv(k)
	}
	code := run(ctx, args, stdin, &out, &errb, getenv)
	return result{code, out.String(), errb.String()}
}

// memURL is a memory broker of this test alone, held until the test ends
// (a broker without clients is discarded: see the memory package doc).
func memURL(t *testing.T) string { t.Helper(); return memURLNamed(t, "") }

// memURLNamed is memURL for a second broker of the test, named with suffix.
func memURLNamed(t testing.TB, suffix string) string {
	t.Helper()
	name := strings.ReplaceAll(t.Name(), "/", ".") + suffix
	b, err := memory.NewBroker(name, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return "memory://" + name
}

// unique is a topic or group name of this run: the real brokers are shared.
func unique(prefix string) string {
	return prefix + "-" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "")
}
