// Command sync is RocketMQ's synchronous send: Publish returns once the
// broker stored the message (SendSync, SEND_OK) with its msgId, queue and
// offset; a status other than SEND_OK is an error matching mq.ErrRejected
// whose cause is a *rocketmq.SendStatusError. Producer group and retries
// come from the URL.
//
//	go run ./examples/rocketmq/sync
//	MQ_URL='rocketmq://10.0.0.5:9876?group=order_producer&retries=2' go run ./examples/rocketmq/sync
package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/rocketmq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876?group=example_sync_producer&retries=2")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_sync"
	in := exampleutil.NewInbox(3)
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Group("example_sync_consumer"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	for i := 0; i < 3; i++ {
		m := in.Stamp(&mq.Message{Tag: "TagA", Key: "order-" + strconv.Itoa(i), Body: []byte("Hello RocketMQ " + strconv.Itoa(i))})
		err := client.Publish(ctx, topic, m)
		var status *rocketmq.SendStatusError
		switch {
		case errors.As(err, &status):
			fmt.Println("stored but not safe:", status.Status)
		case err != nil:
			return err
		}
		fmt.Printf("SEND_OK msgId=%s queue=%d offset=%d\n", m.BrokerID, m.Partition, m.Offset)
	}
	return in.Wait(ctx, 3, func(m *mq.Message) {
		fmt.Printf("received %q key=%s tag=%s msgId=%s\n", m.Body, m.Key, m.Tag, m.BrokerID)
	})
}
