// Command delay is RocketMQ's delayed message: "cancel the order if it is
// still unpaid after 30 minutes", shortened to delay level 2 (5 s) with
// rocketmq.DelayLevel, and the portable Delay (3 s), which this adapter sends
// with RocketMQ 5.x's timer property (any delay up to 3 days; URL delay=levels
// rounds up to a delay level instead).
//
//	go run ./examples/rocketmq/delay
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rocketmq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_delay"
	in := exampleutil.NewInbox(2)
	start := time.Now()
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Group("example_delay_consumer"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	check := in.Stamp(&mq.Message{Key: "order-1001", Body: []byte("check payment of order 1001 (level 2 = 5s)")})
	if err := client.Publish(ctx, topic, check, rocketmq.WithDelayLevel(2)); err != nil {
		return err
	}
	remind := in.Stamp(&mq.Message{Key: "order-1002", Body: []byte("remind order 1002 (Delay 3s)"), Delay: 3 * time.Second})
	if err := client.Publish(ctx, topic, remind); err != nil {
		return err
	}
	fmt.Println("published; waiting")
	return in.Wait(ctx, 2, func(m *mq.Message) {
		fmt.Printf("received: %s after %v\n", m.Body, time.Since(start).Round(100*time.Millisecond))
	})
}
