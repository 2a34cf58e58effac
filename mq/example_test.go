package mq_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	_ "github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func ExampleOpen() {
	ctx := context.Background()
	client, err := mq.Open(ctx, "memory://example-open")
	if err != nil {
		panic(err)
	}
	defer client.Close(ctx)
	fmt.Println(client.Capabilities().Backend)

	_, err = mq.Open(ctx, "nats://127.0.0.1:4222")
	fmt.Println(errors.Is(err, mq.ErrInvalidOption))
	// Output:
	// memory
	// true
}

func ExampleClient_Subscribe() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-subscribe")
	defer client.Close(ctx)

	done := make(chan struct{})
	sub, err := client.Subscribe(ctx, "orders", func(ctx context.Context, m *mq.Message) error {
		fmt.Printf("%s %s attempt %d: %s\n", m.Key, m.Tag, m.Attempt, m.Body)
		close(done)
		return nil // acknowledge
	}, mq.Group("billing"), mq.TagFilter("created || paid"))
	if err != nil {
		panic(err)
	}
	defer sub.Close(ctx)

	_ = client.Publish(ctx, "orders", &mq.Message{Key: "order-1", Tag: "shipped", Body: []byte("skipped by the filter")})
	_ = client.Publish(ctx, "orders", &mq.Message{Key: "order-1", Tag: "created", Body: []byte(`{"amount":42}`)})
	<-done
	// Output:
	// order-1 created attempt 1: {"amount":42}
}

func ExampleClient_Subscribe_retry() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-retry")
	defer client.Close(ctx)

	done := make(chan struct{})
	sub, _ := client.Subscribe(ctx, "payments", func(ctx context.Context, m *mq.Message) error {
		if m.Attempt < 3 {
			fmt.Println("attempt", m.Attempt, "fails")
			return errors.New("bank unavailable") // redelivered after backoff
		}
		fmt.Println("attempt", m.Attempt, "succeeds")
		close(done)
		return nil
	}, mq.WithBackoff(mq.ConstantBackoff(10*time.Millisecond)), mq.MaxAttempts(5))
	defer sub.Close(ctx)

	_ = client.Publish(ctx, "payments", &mq.Message{Body: []byte("pay")})
	<-done
	// Output:
	// attempt 1 fails
	// attempt 2 fails
	// attempt 3 succeeds
}

func ExampleClient_NewConsumer() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-pull")
	defer client.Close(ctx)

	consumer, err := client.NewConsumer(ctx, "jobs", mq.Group("workers"))
	if err != nil {
		panic(err)
	}
	defer consumer.Close(ctx)
	for i := 1; i <= 3; i++ {
		// One key: one partition, so the jobs come back in publish order.
		_ = client.Publish(ctx, "jobs", &mq.Message{Key: "batch-1", Body: []byte(fmt.Sprint("job ", i))})
	}

	received := 0
	for received < 3 {
		// Long polling: up to 16 messages, waiting up to 3 seconds.
		msgs, err := consumer.Receive(ctx, 16, 3*time.Second)
		if err != nil {
			panic(err)
		}
		for _, m := range msgs {
			fmt.Println(string(m.Body))
			_ = m.Ack(ctx)
			received++
		}
	}
	// Output:
	// job 1
	// job 2
	// job 3
}

func ExampleClient_Require() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-require")
	defer client.Close(ctx)

	// Fail fast at start-up when configuration picks a backend that lacks
	// what the service needs.
	if err := client.Require(mq.CapDelay | mq.CapOrdered | mq.CapTransactions); err != nil {
		fmt.Println("cannot run:", err)
		return
	}
	fmt.Println("backend has delay, ordering and transactions")
	// Output:
	// backend has delay, ordering and transactions
}

func ExampleClient_PublishTx() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-tx")
	defer client.Close(ctx)

	err := client.PublishTx(ctx, "orders", []*mq.Message{{Key: "order-7", Body: []byte("created")}},
		func(ctx context.Context) error {
			return errors.New("insert failed") // the local transaction failed: roll back
		})
	fmt.Println(errors.Is(err, mq.ErrTxRolledBack))
	// Output:
	// true
}

func ExampleClient_SubscribeBatch() {
	ctx := context.Background()
	client, _ := mq.Open(ctx, "memory://example-batch")
	defer client.Close(ctx)

	var rows []string
	done := make(chan struct{})
	sub, err := client.SubscribeBatch(ctx, "rows", func(ctx context.Context, msgs []*mq.Message) error {
		var failed []int
		for i, m := range msgs {
			if string(m.Body) == "bad" {
				failed = append(failed, i) // only this one is retried, then dead-lettered
				continue
			}
			rows = append(rows, string(m.Body)) // e.g. one bulk INSERT for the batch
			if len(rows) == 3 {
				close(done)
			}
		}
		if failed != nil {
			return &mq.BatchError{Failed: failed, Err: mq.NoRetry(errors.New("bad row"))}
		}
		return nil
	}, mq.Group("loader"), mq.Concurrency(1), mq.BatchSize(100), mq.BatchLinger(20*time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer sub.Close(ctx)

	_ = client.PublishBatch(ctx, "rows", []*mq.Message{
		{Body: []byte("a")}, {Body: []byte("bad")}, {Body: []byte("b")}, {Body: []byte("c")},
	})
	<-done
	slices.Sort(rows) // without Ordered and Key, batches need not keep publish order
	fmt.Println(rows)
	// Output:
	// [a b c]
}
