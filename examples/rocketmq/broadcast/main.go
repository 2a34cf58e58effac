// Command broadcast is seed 000/001's broadcasting model: two instances of
// one service (two clients here) each get every message, unlike clustering,
// where a group shares the messages.
//
//	go run ./examples/rocketmq/broadcast
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const topic = "example_broadcast"
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var wg sync.WaitGroup
	var clients []*mq.Client
	defer func() {
		for _, c := range clients {
			c.Close(context.Background())
		}
	}()
	const n = 3
	for i := 0; i < 2; i++ {
		c, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
		if err != nil {
			return err
		}
		clients = append(clients, c)
		wg.Add(n)
		name := fmt.Sprint("instance-", i)
		_, err = c.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
			if m.Header("run") == run {
				fmt.Printf("%s got %q\n", name, m.Body)
				wg.Done()
			}
			return nil
		}, mq.Broadcast(), mq.Group("example_broadcast_service"))
		if err != nil {
			return err
		}
	}
	for i := 0; i < n; i++ {
		m := &mq.Message{Body: []byte("config changed " + strconv.Itoa(i))}
		m.SetHeader("run", run)
		if err := clients[0].Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		fmt.Println("both instances got all", n, "messages")
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
