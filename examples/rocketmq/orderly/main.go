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
	steps := []string{"created", "paid", "shipped", "delivered"}
	orders := []string{"order-1", "order-2", "order-3"}
	in := exampleutil.NewInbox(len(steps) * len(orders))
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Group("example_orderly_consumer"), mq.Ordered())
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	for _, step := range steps {
		for _, o := range orders {
			m := in.Stamp(&mq.Message{Key: o, Body: []byte(step)})
			if err := client.Publish(ctx, topic, m); err != nil {
				return err
			}
			if step == steps[0] {
				fmt.Printf("%s -> queue %d\n", o, m.Partition)
			}
		}
	}
	// The inbox hands messages over in the order they were handled.
	seen := map[string][]string{}
	if err := in.Wait(ctx, len(steps)*len(orders), func(m *mq.Message) {
		seen[m.Key] = append(seen[m.Key], string(m.Body))
	}); err != nil {
		return err
	}
	for _, o := range orders {
		fmt.Println(o, seen[o])
	}
	return nil
}
