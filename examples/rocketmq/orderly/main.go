// Command orderly is RocketMQ's ordered messages: messages of one order
// (the Key, RocketMQ's sharding key) go to one queue, and an Ordered
// subscriber (the client's orderly push consumer) gets them in publish order,
// while different orders proceed in parallel.
//
//	go run ./examples/rocketmq/orderly
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_orderly"
	run := exampleutil.RunID()
	steps := []string{"created", "paid", "shipped", "delivered"}
	orders := []string{"order-1", "order-2", "order-3"}
	var mu sync.Mutex
	seen := map[string][]string{}
	done := make(chan struct{}, len(steps)*len(orders))
	sub, err := client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
		if m.Header("run") != run {
			return nil
		}
		mu.Lock()
		seen[m.Key] = append(seen[m.Key], string(m.Body))
		mu.Unlock()
		done <- struct{}{}
		return nil
	}, mq.Group("example_orderly_consumer"), mq.Ordered())
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	for _, step := range steps {
		for _, o := range orders {
			m := &mq.Message{Key: o, Body: []byte(step)}
			m.SetHeader("run", run)
			if err := client.Publish(ctx, topic, m); err != nil {
				return err
			}
			if step == steps[0] {
				fmt.Printf("%s -> queue %d\n", o, m.Partition)
			}
		}
	}
	if err := exampleutil.Wait(ctx, done, len(steps)*len(orders), nil); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, o := range orders {
		fmt.Println(o, seen[o])
	}
	return nil
}
