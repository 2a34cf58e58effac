// Command fanout is seed 002's publish/subscribe mode through unimq: a
// fanout exchange named by the topic; every subscriber gets every message.
// The seed's consumers each declare a server-named exclusive queue: that is
// mq.Broadcast(). A consumer group instead (mq.Group) gets a durable queue
// that keeps messages while its consumers are away.
//
//	go run ./examples/rabbitmq/fanout
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/fanout
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rabbitmq"
)

const defaultURL = "amqp://guest:guest@127.0.0.1:5672/"

// The seed's name (tests use their own).
var exchange = "newProduct"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Getenv(mq.EnvURL), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, out io.Writer) error {
	if url == "" {
		url = defaultURL
	}
	client, err := mq.Open(ctx, url, rabbitmq.WithMode(rabbitmq.Fanout))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 21
	counts := make([]int, 2)
	var mu sync.Mutex
	left := len(counts)
	done := make(chan struct{})
	for i := range counts {
		sub, err := client.Subscribe(ctx, exchange, func(ctx context.Context, m *mq.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if counts[i]++; counts[i] == n {
				if left--; left == 0 {
					close(done)
				}
			}
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
	fmt.Fprintf(out, "published %d messages to fanout exchange %s\n", n, exchange)
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the subscribers: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(out, "subscriber 1 got %d, subscriber 2 got %d: every subscriber gets every message\n", counts[0], counts[1])
	return nil
}
