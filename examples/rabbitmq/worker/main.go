// Command worker is seed 002's "worker" mode through unimq: two consumers
// compete for the messages of one queue; each message goes to one of them.
// Concurrency(1) is a prefetch of 1, so a busy worker is not handed more
// (fair dispatch), and acks are manual.
//
//	go run ./examples/rabbitmq/worker
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/worker
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The seed's name (tests use their own).
var queue = "ziyiWorker"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Getenv(mq.EnvURL), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, out io.Writer) error {
	if url == "" {
		url = defaultURL
	}
	client, err := mq.Open(ctx, url, rabbitmq.WithMode(rabbitmq.Worker))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 100
	run := time.Now().Format("150405.000") + "-"
	var mu sync.Mutex
	per := map[string]int{}
	all := make(chan struct{})
	seen := 0
	worker := func(name string, pause time.Duration) mq.Handler {
		return func(ctx context.Context, m *mq.Message) error {
			time.Sleep(pause) // the work
			mu.Lock()
			defer mu.Unlock()
			if !strings.HasPrefix(m.ID, run) {
				return nil // left by an earlier run
			}
			per[name]++
			if seen++; seen == n {
				close(all)
			}
			return nil
		}
	}
	for _, w := range []struct {
		name  string
		pause time.Duration
	}{{"consumer1", 0}, {"consumer2", 20 * time.Millisecond}} {
		sub, err := client.Subscribe(ctx, queue, worker(w.name, w.pause), mq.Concurrency(1))
		if err != nil {
			return err
		}
		defer sub.Close(context.Background())
	}

	msgs := make([]*mq.Message, n)
	for i := range msgs {
		msgs[i] = &mq.Message{ID: fmt.Sprintf("%s%d", run, i), Body: []byte(fmt.Sprintf("hello %d", i))}
	}
	if err := client.PublishBatch(ctx, queue, msgs); err != nil {
		return err
	}
	fmt.Fprintf(out, "published %d tasks to queue %s\n", n, queue)
	select {
	case <-all:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the workers: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(out, "consumer1 (fast) handled %d, consumer2 (slow) handled %d: each task once\n", per["consumer1"], per["consumer2"])
	return nil
}
