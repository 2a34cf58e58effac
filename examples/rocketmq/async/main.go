// Command async is RocketMQ's asynchronous send: PublishAsync returns at
// once and the callback gets the broker's answer (SendAsync). Client.Close
// waits for outstanding callbacks.
//
//	go run ./examples/rocketmq/async
package main

import (
	"context"
	"fmt"
	"strconv"
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

	const topic = "example_async"
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for i := 0; i < 10; i++ {
		wg.Add(1)
		m := &mq.Message{Tag: "TagA", Body: []byte("async " + strconv.Itoa(i))}
		err := client.PublishAsync(ctx, topic, m, func(m *mq.Message, err error) {
			defer wg.Done()
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
				return
			}
			fmt.Printf("callback: %q stored as %s (queue %d)\n", m.Body, m.BrokerID, m.Partition)
		})
		if err != nil {
			wg.Done()
			return err
		}
	}
	fmt.Println("10 messages queued; waiting for the callbacks")
	wg.Wait()
	return failed
}
