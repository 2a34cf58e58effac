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
	run := exampleutil.RunID()
	start := time.Now()
	got := make(chan string, 2)
	sub, err := client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
		if m.Header("run") == run {
			got <- fmt.Sprintf("%s after %v", m.Body, time.Since(start).Round(100*time.Millisecond))
		}
		return nil
	}, mq.Group("example_delay_consumer"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	check := &mq.Message{Key: "order-1001", Body: []byte("check payment of order 1001 (level 2 = 5s)")}
	check.SetHeader("run", run)
	if err := client.Publish(ctx, topic, check, mq.DriverOption(rocketmq.DelayLevel(2))); err != nil {
		return err
	}
	remind := &mq.Message{Key: "order-1002", Body: []byte("remind order 1002 (Delay 3s)"), Delay: 3 * time.Second}
	remind.SetHeader("run", run)
	if err := client.Publish(ctx, topic, remind); err != nil {
		return err
	}
	fmt.Println("published; waiting")
	if err := exampleutil.Wait(ctx, got, 2, func(s string) {
		fmt.Println("received:", s)
	}); err != nil {
		return err
	}
	return nil
}
