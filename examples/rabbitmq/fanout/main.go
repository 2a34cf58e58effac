// Command fanout is RabbitMQ publish/subscribe through unimq: a
// fanout exchange named by the topic; every subscriber gets every message.
// Classic fanout consumers each declare a server-named exclusive queue: that is
// mq.Broadcast(). A consumer group instead (mq.Group) gets a durable queue
// that keeps messages while its consumers are away.
//
//	go run ./examples/rabbitmq/fanout
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/fanout
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
var exchange = "newProduct"

func main() { exampleutil.Main(30*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, defaultURL, rabbitmq.WithMode(rabbitmq.Fanout))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 21
	got := make(chan int, 2*n) // which subscriber received a message
	for i := 0; i < 2; i++ {
		sub, err := client.Subscribe(ctx, exchange, func(ctx context.Context, m *mq.Message) error {
			got <- i
			return nil
		}, mq.Broadcast())
		if err != nil {
			return err
		}
		defer sub.Close(context.Background())
	}
	for i := 0; i < n; i++ {
		m := &mq.Message{Body: []byte("订阅模式生产第" + strconv.Itoa(i) + "条数据")}
		if err := client.Publish(ctx, exchange, m); err != nil {
			return err
		}
	}
	fmt.Printf("published %d messages to fanout exchange %s\n", n, exchange)
	counts := make([]int, 2)
	if err := exampleutil.Wait(ctx, got, 2*n, func(i int) { counts[i]++ }); err != nil {
		return fmt.Errorf("waiting for the subscribers: %w", err)
	}
	fmt.Printf("subscriber 1 got %d, subscriber 2 got %d: every subscriber gets every message\n", counts[0], counts[1])
	return nil
}
