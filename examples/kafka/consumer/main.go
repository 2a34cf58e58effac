// Command consumer is the Kafka per-partition consumer through unimq: one
// consumer per partition, starting from the newest offset. In unimq that is a
// Broadcast subscriber (no group, every partition, StartNewest by default).
// To stay bounded it publishes a few records itself and exits once it has
// printed them.
//
//	go run ./examples/kafka/consumer
//	MQ_URL=kafka://10.0.0.5:9092 go run ./examples/kafka/consumer
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "kafka://127.0.0.1:9092")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "web_log"

	const n = 5
	in := exampleutil.NewInbox(n)
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Broadcast(), mq.StartFrom(mq.Newest))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	// Plain sarama code lists the partitions and consumes each; Broadcast reads
	// all of them (Subscribe created the topic if it did not exist yet).
	parts, err := kafka.Partitions(ctx, client, topic)
	if err != nil {
		return err
	}
	fmt.Println(parts)

	for i := 0; i < n; i++ {
		m := in.Stamp(&mq.Message{Key: fmt.Sprintf("host-%d", i), Body: []byte(fmt.Sprintf("log line %d", i))})
		if err := client.Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	return in.Wait(ctx, n, func(m *mq.Message) {
		fmt.Printf("Partition:%d Offset:%d Key:%v Value:%s\n", m.Partition, m.Offset, m.Key, m.Body)
	})
}
