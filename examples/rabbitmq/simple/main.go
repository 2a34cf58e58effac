// Command simple is seed 002's "simple" mode through unimq: one producer,
// one consumer, one durable queue named by the topic. Unlike the seed's
// auto-ack consumer, a message leaves the queue only after the handler
// returned nil, so a crash mid-handler loses nothing.
//
//	go run ./examples/rabbitmq/simple
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/simple
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The seed's name (tests use their own).
var queue = "ziyiSimple"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Getenv(mq.EnvURL), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simple:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, out io.Writer) error {
	if url == "" {
		url = defaultURL
	}
	client, err := mq.Open(ctx, url, rabbitmq.WithMode(rabbitmq.Simple))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	run := time.Now().Format("150405.000")
	// Producer: the queue is declared on first publish, so these wait in
	// it until a consumer comes.
	for i := 0; i < 5; i++ {
		m := &mq.Message{ID: fmt.Sprintf("%s-%d", run, i), Body: []byte(fmt.Sprintf("hello %d", i))}
		if err := client.Publish(ctx, queue, m); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "published 5 messages to queue", queue)

	// Consumer.
	got := make(chan *mq.Message, 16)
	sub, err := client.Subscribe(ctx, queue, func(ctx context.Context, m *mq.Message) error {
		got <- m
		return nil // acknowledge
	}, mq.Concurrency(1))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())
	for n := 0; n < 5; {
		select {
		case m := <-got:
			if len(m.ID) < len(run) || m.ID[:len(run)] != run {
				fmt.Fprintf(out, "received a message left by an earlier run: %s\n", m.Body)
				continue
			}
			fmt.Fprintf(out, "received: %s\n", m.Body)
			n++
		case <-ctx.Done():
			return fmt.Errorf("waiting for messages: %w", ctx.Err())
		}
	}
	return nil
}
