// Command direct is seed 002's routing mode through unimq: a direct exchange
// named by the topic; the tag is the routing key and a subscriber's
// TagFilter is its binding key. The seed's producer also sends "imooc_two"
// messages that no queue is bound to; RabbitMQ drops them silently, unimq
// publishes with the mandatory flag and reports them as mq.ErrUnroutable.
//
//	go run ./examples/rabbitmq/direct
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/direct
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The seed's name (tests use their own).
var exchange = "exZi"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Getenv(mq.EnvURL), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "direct:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, out io.Writer) error {
	if url == "" {
		url = defaultURL
	}
	client, err := mq.Open(ctx, url, rabbitmq.WithMode(rabbitmq.Direct))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 11
	got := make(chan *mq.Message, 2*n)
	sub, err := client.Subscribe(ctx, exchange, func(ctx context.Context, m *mq.Message) error {
		got <- m
		return nil
	}, mq.Broadcast(), mq.TagFilter("imooc_one"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	unroutable := 0
	for i := 0; i < n; i++ {
		one := &mq.Message{Tag: "imooc_one", Body: []byte("hello imooc one!" + strconv.Itoa(i))}
		if err := client.Publish(ctx, exchange, one); err != nil {
			return err
		}
		two := &mq.Message{Tag: "imooc_two", Body: []byte("hello imooc two!" + strconv.Itoa(i))}
		switch err := client.Publish(ctx, exchange, two); {
		case errors.Is(err, mq.ErrUnroutable):
			unroutable++
		case err != nil:
			return err
		}
	}
	fmt.Fprintf(out, "published %d imooc_one and %d imooc_two messages; %d imooc_two reported unroutable (no queue bound)\n", n, n, unroutable)
	for i := 0; i < n; i++ {
		select {
		case m := <-got:
			fmt.Fprintf(out, "received [%s] %s\n", m.Tag, m.Body)
		case <-ctx.Done():
			return fmt.Errorf("waiting for messages: %w", ctx.Err())
		}
	}
	return nil
}
