// Command oneway is RocketMQ's one-way send (SendOneWay): no answer from the
// broker, the fastest and a lossy mode (logs, metrics). A nil error only
// means the message left the process.
//
//	go run ./examples/rocketmq/oneway
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

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_oneway"
	in := exampleutil.NewInbox(5)
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Group("example_oneway_consumer"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())
	for i := 0; i < 5; i++ {
		m := in.Stamp(&mq.Message{Tag: "log", Body: []byte("log line " + strconv.Itoa(i))})
		if err := client.PublishOneWay(ctx, topic, m); err != nil {
			return err
		}
	}
	fmt.Println("5 log lines sent one-way")
	if err := in.Wait(ctx, 5, func(m *mq.Message) {
		fmt.Printf("received: %s\n", m.Body)
	}); err != nil {
		return fmt.Errorf("one-way is lossy, but on a healthy broker all 5 arrive: %w", err)
	}
	return nil
}
