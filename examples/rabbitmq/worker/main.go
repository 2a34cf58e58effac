// Command worker is RabbitMQ work queues through unimq: two consumers
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
	"strings"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The example's queue (tests use their own).
var queue = "ziyiWorker"

func main() { exampleutil.Main(30*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, defaultURL, rabbitmq.WithMode(rabbitmq.Worker))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 100
	run := exampleutil.RunID() + "-"
	done := make(chan string, n) // the name of the worker that handled a task
	worker := func(name string, pause time.Duration) mq.Handler {
		return func(ctx context.Context, m *mq.Message) error {
			time.Sleep(pause)                 // the work
			if strings.HasPrefix(m.ID, run) { // not left by an earlier run
				done <- name
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
	fmt.Printf("published %d tasks to queue %s\n", n, queue)
	per := map[string]int{}
	if err := exampleutil.Wait(ctx, done, n, func(name string) { per[name]++ }); err != nil {
		return fmt.Errorf("waiting for the workers: %w", err)
	}
	fmt.Printf("consumer1 (fast) handled %d, consumer2 (slow) handled %d: each task once\n", per["consumer1"], per["consumer2"])
	return nil
}
