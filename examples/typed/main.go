// Command typed publishes Go values and consumes them decoded, with a
// handler per tag, duplicates dropped and undecodable messages
// dead-lettered: packages mq/typed and mq/dedup.
//
// It runs on the in-memory backend by default; point MQ_URL at a broker to
// run the same code there:
//
//	go run ./examples/typed
//	MQ_URL=kafka://127.0.0.1:9092 go run ./examples/typed
//	MQ_URL=amqp://guest:guest@127.0.0.1:5672/ go run ./examples/typed
//	MQ_URL=rocketmq://127.0.0.1:9876 go run ./examples/typed
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/dedup"
	"github.com/unimq/unimq/mq/typed"

	_ "github.com/unimq/unimq/all" // every backend's URL scheme
)

// The topics and group of the example (tests use their own).
var (
	topic = "typed-orders"
	dlq   = "typed-orders-dlq"
	group = "billing"
)

// Order and Payment travel as JSON.
type Order struct {
	ID     int    `json:"id"`
	Amount string `json:"amount"`
}

type Payment struct {
	Order int    `json:"order"`
	Via   string `json:"via"`
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "typed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	client, err := mq.OpenEnv(ctx, "memory://typed")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())
	fmt.Fprintln(out, "backend:", client.Capabilities().Backend)
	runID := time.Now().UnixNano() // tells this run's messages from an earlier run's

	// The dead letters, to show their reasons.
	dead := make(chan *mq.Message, 4)
	dsub, err := client.Subscribe(ctx, dlq, func(ctx context.Context, m *mq.Message) error {
		dead <- m
		return nil
	}, mq.Group(group+"-dlq"))
	if err != nil {
		return err
	}
	defer dsub.Close(context.Background())

	// One subscription, a typed handler per tag. Unknown tags and bodies
	// that do not decode go to the dead letter at once.
	handled := make(chan string, 4)
	r := typed.NewRouter(typed.JSON, typed.DeadLetterUnknown)
	typed.On(r, "created", func(ctx context.Context, o Order, m *mq.Message) error {
		handled <- fmt.Sprintf("created: order %d for %s", o.ID, o.Amount)
		return nil
	})
	typed.On(r, "paid", func(ctx context.Context, p Payment, m *mq.Message) error {
		handled <- fmt.Sprintf("paid: order %d via %s (%s)", p.Order, p.Via, m.Header(typed.HeaderContentType))
		return nil
	})
	seen := dedup.NewMemoryStore(10_000, time.Hour) // enough for one member; see mq/dedup for groups
	sub, err := client.Subscribe(ctx, topic, r.Handler(), mq.Group(group), mq.Ordered(),
		mq.DeadLetterTopic(dlq), mq.MaxAttempts(3), mq.WithMiddleware(dedup.Middleware(seen)))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	// Everything about order 7, in order (one Key).
	orders := typed.NewPublisher[Order](client, topic, typed.JSON)
	payments := typed.NewPublisher[Payment](client, topic, typed.JSON)
	id := func(s string) string { return fmt.Sprintf("%s-%d", s, runID) }
	meta := func(name, tag string) *mq.Message { return &mq.Message{ID: id(name), Key: "order-7", Tag: tag} }
	steps := []func() error{
		func() error { return orders.Publish(ctx, Order{ID: 7, Amount: "42.00"}, meta("o7", "created")) },
		func() error { return payments.Publish(ctx, Payment{Order: 7, Via: "card"}, meta("p7", "paid")) },
		// A producer's retry: same ID, handled once.
		func() error { return payments.Publish(ctx, Payment{Order: 7, Via: "card"}, meta("p7", "paid")) },
		// A plain producer's body that is not an Order.
		func() error {
			m := meta("bad", "created")
			m.Body = []byte(`{"id": "seven"}`)
			m.SetHeader(typed.HeaderContentType, "application/json")
			return client.Publish(ctx, topic, m)
		},
		func() error { return orders.Publish(ctx, Order{ID: 7}, meta("r7", "refunded")) },
	}
	for _, publish := range steps {
		if err := publish(); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "published 5 messages")

	// Ordered: by the time the last one is dead-lettered, the others were
	// settled.
	var lines, reasons []string
	for len(lines) < 2 || len(reasons) < 2 {
		select {
		case s := <-handled:
			lines = append(lines, s)
		case m := <-dead:
			if m.ID == id("bad") || m.ID == id("r7") {
				reasons = append(reasons, fmt.Sprintf("dead letter %s: %s", m.Tag, m.Header("unimq-dead-reason")))
			}
		case <-ctx.Done():
			return fmt.Errorf("waiting: handled %q, dead letters %q: %w", lines, reasons, ctx.Err())
		}
	}
	select {
	case s := <-handled:
		lines = append(lines, s) // a duplicate that was not dropped
	default:
	}
	slices.Sort(reasons)
	for _, s := range append(lines, reasons...) {
		fmt.Fprintln(out, s)
	}
	return nil
}
