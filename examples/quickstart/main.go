// Command quickstart publishes an order event and consumes it through unimq.
//
// It runs on the in-memory backend by default; point MQ_URL at a broker to
// run the same code there:
//
//	go run ./examples/quickstart
//	MQ_URL=kafka://127.0.0.1:9092 go run ./examples/quickstart
//	MQ_URL=amqp://guest:guest@127.0.0.1:5672/ go run ./examples/quickstart
//	MQ_URL=rocketmq://127.0.0.1:9876 go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/unimq/unimq/mq"

	// Each import registers its URL scheme, as database/sql drivers do.
	_ "github.com/unimq/unimq/memory"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	client, err := mq.OpenEnv(ctx, "memory://quickstart")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())
	fmt.Println("backend:", client.Capabilities().Backend)

	topic := "quickstart-orders"
	got := make(chan *mq.Message, 1)
	sub, err := client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
		got <- m
		return nil // nil acknowledges; an error would mean redelivery
	}, mq.Group("billing"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	order := &mq.Message{
		Key:     "order-1001",
		Tag:     "created",
		Headers: map[string]string{"source": "quickstart"},
		Body:    []byte(`{"order":1001,"amount":"42.00"}`),
	}
	if err := client.Publish(ctx, topic, order); err != nil {
		return err
	}
	fmt.Println("published order-1001")

	select {
	case m := <-got:
		fmt.Printf("received %s tag=%s attempt=%d body=%s\n", m.Key, m.Tag, m.Attempt, m.Body)
	case <-ctx.Done():
		return fmt.Errorf("no delivery: %w", ctx.Err())
	}
	return nil
}
