// Command partitions shows what Kafka partitions give a unimq user: a topic
// created with 3 partitions, keys hashed to partitions the way the Java
// client does (murmur2), per-key order for an Ordered subscriber, and an
// explicit partition with kafka.Partition.
//
//	go run ./examples/kafka/partitions
//	MQ_URL=kafka://10.0.0.5:9092 go run ./examples/kafka/partitions
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

	const topic = "web_log_partitioned"
	if err := kafka.CreateTopic(ctx, client, topic, 3, 0); err != nil {
		return err
	}
	parts, err := kafka.Partitions(ctx, client, topic)
	if err != nil {
		return err
	}
	fmt.Println("partitions:", parts)

	const perKey = 4
	keys := []string{"host-a", "host-b", "host-c"}
	in := exampleutil.NewInbox(perKey*len(keys) + 1)
	sub, err := client.Subscribe(ctx, topic, in.Handle, mq.Group("partitions-example"), mq.Ordered())
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	for i := 0; i < perKey; i++ {
		for _, k := range keys {
			m := in.Stamp(&mq.Message{Key: k, Body: []byte(fmt.Sprintf("%s line %d", k, i))})
			if err := client.Publish(ctx, topic, m); err != nil {
				return err
			}
			if i == 0 {
				fmt.Printf("key %s -> partition %d\n", k, m.Partition)
			}
		}
	}
	pinned := in.Stamp(&mq.Message{Key: "host-a", Body: []byte("pinned to partition 2")})
	if err := client.Publish(ctx, topic, pinned, kafka.WithPartition(2)); err != nil {
		return err
	}
	fmt.Printf("explicit partition: %d offset %d\n", pinned.Partition, pinned.Offset)

	// The inbox hands messages over in the order they were handled.
	order := map[string][]string{}
	if err := in.Wait(ctx, perKey*len(keys)+1, func(m *mq.Message) {
		order[m.Key] = append(order[m.Key], string(m.Body))
	}); err != nil {
		return err
	}
	for _, k := range keys {
		fmt.Printf("%s in order: %v\n", k, order[k])
	}
	return nil
}
