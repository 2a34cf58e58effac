// Command topic is seed 002's topic mode through unimq: a topic exchange
// named by the topic; the tag is the routing key and mq.TagPattern gives
// the binding keys, where "*" is exactly one word and "#" zero or more.
//
//	go run ./examples/rabbitmq/topic
//	MQ_URL=amqp://user:pass@host:5672/vhost go run ./examples/rabbitmq/topic
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
var exchange = "exImoocTopic"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Getenv(mq.EnvURL), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "topic:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, out io.Writer) error {
	if url == "" {
		url = defaultURL
	}
	// Topic is the default mode; WithMode makes it explicit.
	client, err := mq.Open(ctx, url, rabbitmq.WithMode(rabbitmq.Topic))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const n = 11
	patterns := []string{"#", "imooc.topic88.three", "imooc.*.four"}
	want := []int{2 * n, n, n}
	var mu sync.Mutex
	counts := make([]int, len(patterns))
	left := len(patterns)
	done := make(chan struct{})
	for i, p := range patterns {
		sub, err := client.Subscribe(ctx, exchange, func(ctx context.Context, m *mq.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if counts[i]++; counts[i] == want[i] {
				if left--; left == 0 {
					close(done)
				}
			}
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
	fmt.Fprintf(out, "published %d imooc.topic88.three and %d imooc.topic99.four messages\n", n, n)
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the subscribers: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	for i, p := range patterns {
		fmt.Fprintf(out, "binding %-22q received %d\n", p, counts[i])
	}
	return nil
}
