// Command producer is the Kafka sync producer through unimq: a sync send
// with acks=all (the adapter's Publish) that prints the partition and offset
// the broker confirmed.
//
//	go run ./examples/kafka/producer                       # kafka://127.0.0.1:9092
//	MQ_URL=kafka://10.0.0.5:9092 go run ./examples/kafka/producer
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	_ "github.com/unimq/unimq/kafka" // registers kafka://
	"github.com/unimq/unimq/mq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "kafka://127.0.0.1:9092")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	// sarama.SyncProducer + RequiredAcks=WaitForAll in plain sarama; Publish
	// returns once the leader and its in-sync replicas have the record.
	msg := &mq.Message{Body: []byte("this is a test log")}
	if err := client.Publish(ctx, "web_log", msg); err != nil {
		return fmt.Errorf("send msg failed: %w", err)
	}
	fmt.Printf("pid:%v offset:%v\n", msg.Partition, msg.Offset)
	return nil
}
