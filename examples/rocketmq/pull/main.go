// Command pull is RocketMQ long polling (pull) consumption: receive a batch of up to
// 16 messages, waiting up to 3 seconds, acknowledge each by its receipt; a
// message not acknowledged within the ack timeout is delivered again.
//
//	go run ./examples/rocketmq/pull
package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

func main() { exampleutil.Main(90*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_pull"
	in := exampleutil.NewInbox(0) // stamps and tells this run's messages; Receive pulls them
	consumer, err := client.NewConsumer(ctx, topic, mq.Group("example_pull_consumer"),
		mq.AckTimeout(5*time.Second), mq.Prefetch(32))
	if err != nil {
		return err
	}
	defer consumer.Close(context.Background())

	for i := 0; i < 20; i++ {
		m := in.Stamp(&mq.Message{Tag: "TagA", Key: "key-" + strconv.Itoa(i), Body: []byte("message " + strconv.Itoa(i))})
		m.SetHeader("a", "1")
		if err := client.Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	acked, skipped := 0, ""
	for acked < 20 {
		msgs, err := consumer.Receive(ctx, 16, 3*time.Second)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			fmt.Println("no new message")
			continue
		}
		fmt.Printf("received a batch of %d\n", len(msgs))
		for _, m := range msgs {
			if !in.Ours(m) {
				_ = m.Ack(ctx) // an older run's leftovers
				continue
			}
			if skipped == "" {
				skipped = m.BrokerID // not acked: comes back after the ack timeout
				fmt.Printf("not acknowledging %s (%q) now\n", m.BrokerID, m.Body)
				continue
			}
			if err := m.Ack(ctx); err != nil {
				return err
			}
			if m.BrokerID == skipped {
				fmt.Printf("redelivered %q, attempt %d, acknowledged\n", m.Body, m.Attempt)
			}
			acked++
		}
	}
	return nil
}
