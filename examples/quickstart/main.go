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
	"io"
	"os"
	"time"

	"github.com/unimq/unimq/mq"

	// Registers every backend's URL scheme (memory, kafka, amqp, rocketmq),
	// as database/sql drivers do, so MQ_URL alone picks the broker.
	_ "github.com/unimq/unimq/all"
)

// The topic and group of the example (tests use their own).
var (
	topic = "quickstart-orders"
	group = "billing"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	client, err := mq.OpenEnv(ctx, "memory://quickstart")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())
	fmt.Fprintln(out, "backend:", client.Capabilities().Backend)

	got := make(chan *mq.Message, 1)
	sub, err := client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
		select {
		case got <- m:
		default: // a redelivery after the first one arrived
		}
		return nil // nil acknowledges; an error would mean redelivery
	}, mq.Group(group))
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
	fmt.Fprintln(out, "published order-1001")

	select {
	case m := <-got:
		fmt.Fprintf(out, "received %s tag=%s attempt=%d body=%s\n", m.Key, m.Tag, m.Attempt, m.Body)
	case <-ctx.Done():
		return fmt.Errorf("no delivery: %w", ctx.Err())
	}
	return nil
}
