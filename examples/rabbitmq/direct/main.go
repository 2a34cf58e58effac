// Command direct is RabbitMQ's routing mode through unimq: a direct exchange
// named by the topic; the tag is the routing key and a subscriber's
// TagFilter is its binding key. The producer also sends "imooc_two"
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
	"strconv"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The example's exchange (tests use their own).
var exchange = "exZi"

func main() { exampleutil.Main(30*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, defaultURL, rabbitmq.WithMode(rabbitmq.Direct))
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
	fmt.Printf("published %d imooc_one and %d imooc_two messages; %d imooc_two reported unroutable (no queue bound)\n", n, n, unroutable)
	if err := exampleutil.Wait(ctx, got, n, func(m *mq.Message) {
		fmt.Printf("received [%s] %s\n", m.Tag, m.Body)
	}); err != nil {
		return fmt.Errorf("waiting for messages: %w", err)
	}
	return nil
}
