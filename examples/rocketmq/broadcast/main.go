// Command broadcast is RocketMQ's broadcasting model: two instances of
// one service (two clients here) each get every message, unlike clustering,
// where a group shares the messages.
//
//	go run ./examples/rocketmq/broadcast
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
	const topic = "example_broadcast"
	const n = 3
	in := exampleutil.NewInbox(0) // stamps; each instance keeps what it stamped
	got := make(chan string, 2*n) // "instance-i got ..."
	var clients []*mq.Client
	defer func() {
		for _, c := range clients {
			c.Close(context.Background())
		}
	}()
	for i := 0; i < 2; i++ {
		c, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
		if err != nil {
			return err
		}
		clients = append(clients, c)
		name := fmt.Sprint("instance-", i)
		_, err = c.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
			if in.Ours(m) {
				got <- fmt.Sprintf("%s got %q", name, m.Body)
			}
			return nil
		}, mq.Broadcast(), mq.Group("example_broadcast_service"))
		if err != nil {
			return err
		}
	}
	for i := 0; i < n; i++ {
		m := in.Stamp(&mq.Message{Body: []byte("config changed " + strconv.Itoa(i))})
		if err := clients[0].Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	if err := exampleutil.Wait(ctx, got, 2*n, func(s string) { fmt.Println(s) }); err != nil {
		return err
	}
	fmt.Println("both instances got all", n, "messages")
	return nil
}
