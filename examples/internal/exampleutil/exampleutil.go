// Package exampleutil holds the few lines every example program would
// otherwise repeat around the API it shows: a main that runs under a deadline
// and stops on Ctrl-C, a run identifier telling this run's messages from those
// an earlier run left in a durable topic or queue, a wait for N messages
// bounded by the context, and an Inbox combining the two (stamp what is
// published, a handler that keeps this run's messages, a wait for them). The examples open their client themselves, with
// mq.OpenEnv (MQ_URL, or the example's default URL).
package exampleutil

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Main runs run with a context that ends after timeout or on SIGINT/SIGTERM;
// when run fails it prints the error after the command's name and exits 1.
func Main(timeout time.Duration, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	err := run(ctx)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		os.Exit(1)
	}
}

// RunID returns a token unique to this run of the program, to be put in a
// header or message ID of what it publishes.
func RunID() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

// Wait receives n values from ch, calling each (when not nil) on every one,
// and returns once they arrived or with ctx's error, saying how many did.
func Wait[T any](ctx context.Context, ch <-chan T, n int, each func(T)) error {
	for i := 0; i < n; i++ {
		select {
		case v := <-ch:
			if each != nil {
				each(v)
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d messages, %d arrived: %w", n, i, ctx.Err())
		}
	}
	return nil
}
