// Command simple is RabbitMQ's "simple" mode (one queue) through unimq: one producer,
// one consumer, one durable queue named by the topic. Unlike an
// auto-ack consumer, a message leaves the queue only after the handler
// returned nil, so a crash mid-handler loses nothing.
//
//	go run ./examples/rabbitmq/simple
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/simple
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
var queue = "ziyiSimple"

func main() { exampleutil.Main(30*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, defaultURL, rabbitmq.WithMode(rabbitmq.Simple))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	run := exampleutil.RunID()
	// Producer: the queue is declared on first publish, so these wait in
	// it until a consumer comes.
	for i := 0; i < 5; i++ {
		m := &mq.Message{ID: fmt.Sprintf("%s-%d", run, i), Body: []byte(fmt.Sprintf("hello %d", i))}
		if err := client.Publish(ctx, queue, m); err != nil {
			return err
		}
	}
	fmt.Println("published 5 messages to queue", queue)

	// Consumer.
	got := make(chan *mq.Message, 5)
	sub, err := client.Subscribe(ctx, queue, func(ctx context.Context, m *mq.Message) error {
		if !strings.HasPrefix(m.ID, run) {
			fmt.Printf("received a message left by an earlier run: %s\n", m.Body)
			return nil
		}
		got <- m
		return nil // acknowledge
	}, mq.Concurrency(1))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())
	if err := exampleutil.Wait(ctx, got, 5, func(m *mq.Message) {
		fmt.Printf("received: %s\n", m.Body)
	}); err != nil {
		return fmt.Errorf("waiting for messages: %w", err)
	}
	return nil
}
