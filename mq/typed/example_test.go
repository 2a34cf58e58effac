package typed_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/typed"
)

type Order struct {
	ID     int    `json:"id"`
	Amount string `json:"amount"`
}

type Payment struct {
	Order int    `json:"order"`
	Via   string `json:"via"`
}

// Publish a Go value and subscribe with a handler that receives it decoded.
func Example() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://typed-example")
	defer c.Close(ctx)

	got := make(chan string, 1)
	sub, _ := typed.Subscribe(ctx, c, "orders", typed.JSON,
		func(ctx context.Context, o Order, m *mq.Message) error {
			got <- fmt.Sprintf("order %d for %s (%s, %s)", o.ID, o.Amount, m.Tag, m.Header(typed.HeaderContentType))
			return nil
		}, mq.Group("billing"))
	defer sub.Close(ctx)

	orders := typed.NewPublisher[Order](c, "orders", typed.JSON)
	_ = orders.Publish(ctx, Order{ID: 7, Amount: "42.00"}, &mq.Message{Key: "order-7", Tag: "created"})
	fmt.Println(<-got)
	// Output: order 7 for 42.00 (created, application/json)
}

// A body that does not decode never reaches the handler: it goes to the
// dead letter after one attempt, with the decode error as the reason.
func ExampleHandle_deadLetter() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://typed-example-dlq")
	defer c.Close(ctx)

	dead := make(chan *mq.Message, 1)
	dsub, _ := c.Subscribe(ctx, memory.DeadLetterTopic("orders", "billing"),
		func(ctx context.Context, m *mq.Message) error { dead <- m; return nil })
	defer dsub.Close(ctx)
	sub, _ := typed.Subscribe(ctx, c, "orders", typed.JSON,
		func(ctx context.Context, o Order, m *mq.Message) error { return nil },
		mq.Group("billing"), mq.MaxAttempts(5))
	defer sub.Close(ctx)
	_ = c.Publish(ctx, "orders", &mq.Message{ID: "o-bad", Body: []byte(`{"id": "seven"}`),
		Headers: map[string]string{typed.HeaderContentType: "application/json"}})

	d := <-dead
	fmt.Println(d.ID, "after", d.Header("unimq-dead-attempts"), "attempt:")
	fmt.Println(d.Header("unimq-dead-reason"))
	// Output:
	// o-bad after 1 attempt:
	// typed: decoding application/json body into typed_test.Order: json: cannot unmarshal string into Go struct field Order.id of type int
}

// One subscription, a typed handler per tag.
func ExampleRouter() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://typed-example-router")
	defer c.Close(ctx)

	done := make(chan string, 2)
	r := typed.NewRouter(typed.JSON, typed.DeadLetterUnknown)
	typed.On(r, "created", func(ctx context.Context, o Order, m *mq.Message) error {
		done <- fmt.Sprintf("created: order %d, %s", o.ID, o.Amount)
		return nil
	})
	typed.On(r, "paid", func(ctx context.Context, p Payment, m *mq.Message) error {
		done <- fmt.Sprintf("paid: order %d via %s", p.Order, p.Via)
		return nil
	})
	sub, _ := c.Subscribe(ctx, "orders", r.Handler(), mq.Group("billing"), mq.Ordered())
	defer sub.Close(ctx)

	_ = typed.NewPublisher[Order](c, "orders", typed.JSON).Publish(ctx, Order{ID: 7, Amount: "42.00"}, &mq.Message{Key: "order-7", Tag: "created"})
	_ = typed.NewPublisher[Payment](c, "orders", typed.JSON).Publish(ctx, Payment{Order: 7, Via: "card"}, &mq.Message{Key: "order-7", Tag: "paid"})
	fmt.Println(<-done)
	fmt.Println(<-done)
	// Output:
	// created: order 7, 42.00
	// paid: order 7 via card
}

// Pull consumers decode with Decode; a message that does not decode is
// dead-lettered at once by a NoRetry Nack.
func ExampleDecode() {
	ctx := context.Background()
	c, _ := mq.Open(ctx, "memory://typed-example-pull")
	defer c.Close(ctx)
	k, _ := c.NewConsumer(ctx, "orders", mq.Group("billing"))
	defer k.Close(ctx)

	orders := typed.NewPublisher[Order](c, "orders", typed.JSON)
	_ = orders.Publish(ctx, Order{ID: 8, Amount: "9.90"}, &mq.Message{ID: "o-8", Key: "k"})
	_ = c.Publish(ctx, "orders", &mq.Message{ID: "o-bad", Key: "k", Body: []byte("<order/>"),
		Headers: map[string]string{typed.HeaderContentType: "application/xml"}})

	for n := 0; n < 2; {
		ms, err := k.Receive(ctx, 2-n, 5*time.Second)
		if err != nil || len(ms) == 0 {
			fmt.Println("receive:", err)
			return
		}
		for _, m := range ms {
			n++
			o, err := typed.Decode[Order](typed.JSON, m)
			if err != nil {
				fmt.Println(m.ID, "dead-lettered:", errors.Is(err, typed.ErrDecode))
				_ = m.Nack(ctx, mq.NoRetry(err))
				continue
			}
			fmt.Println(m.ID, "order", o.ID, o.Amount)
			_ = m.Ack(ctx)
		}
	}
	// Output:
	// o-8 order 8 9.90
	// o-bad dead-lettered: true
}
