// Command topic is RabbitMQ's topic mode through unimq: a topic exchange
// named by the topic; the tag is the routing key and mq.TagPattern gives
// the binding keys, where "*" is exactly one word and "#" zero or more.
//
//	go run ./examples/rabbitmq/topic
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/topic
package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The example's exchange (tests use their own).
var exchange = "exImoocTopic"

func main() { exampleutil.Main(30*time.Second, run) }

func run(ctx context.Context) error {
	// Topic is the default mode; WithMode makes it explicit.
	client, err := mq.OpenEnv(ctx, defaultURL, rabbitmq.WithMode(rabbitmq.Topic))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 11
	patterns := []string{"#", "imooc.topic88.three", "imooc.*.four"}
	got := make(chan int, 4*n) // which binding received a message
	for i, p := range patterns {
		sub, err := client.Subscribe(ctx, exchange, func(ctx context.Context, m *mq.Message) error {
			got <- i
			return nil
		}, mq.Broadcast(), mq.TagPattern(p))
		if err != nil {
			return err
		}
		defer sub.Close(context.Background())
	}
	for i := 0; i < n; i++ {
		three := &mq.Message{Tag: "imooc.topic88.three", Body: []byte("hello imooc topic three!" + strconv.Itoa(i))}
		four := &mq.Message{Tag: "imooc.topic99.four", Body: []byte("hello imooc topic four!" + strconv.Itoa(i))}
		if err := client.PublishBatch(ctx, exchange, []*mq.Message{three, four}); err != nil {
			return err
		}
	}
	fmt.Printf("published %d imooc.topic88.three and %d imooc.topic99.four messages\n", n, n)
	// "#" gets both kinds, each other binding one kind: 4n deliveries in all.
	counts := make([]int, len(patterns))
	if err := exampleutil.Wait(ctx, got, 4*n, func(i int) { counts[i]++ }); err != nil {
		return fmt.Errorf("waiting for the subscribers: %w", err)
	}
	for i, p := range patterns {
		fmt.Printf("binding %-22q received %d\n", p, counts[i])
	}
	return nil
}
