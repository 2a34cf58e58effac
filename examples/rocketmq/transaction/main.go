// Command transaction is RocketMQ's transactional message: a half message,
// the local transaction (here a pretend database write), and commit,
// rollback or "unknown", which the broker resolves later by asking the
// checker (WithTxChecker) — the broker's check-back.
//
//	go run ./examples/rocketmq/transaction
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

// orders is the pretend database: order id -> paid.
var (
	mu     sync.Mutex
	orders = map[string]bool{}
)

func main() { exampleutil.Main(90*time.Second, run) }

func run(ctx context.Context) error {
	checked := make(chan string, 1)
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876?group=example_tx_producer",
		mq.WithTxChecker(func(ctx context.Context, m *mq.Message) mq.TxState {
			mu.Lock()
			paid, known := orders[m.Key]
			mu.Unlock()
			fmt.Printf("check-back for %s: known=%v paid=%v\n", m.Key, known, paid)
			if !known {
				return mq.TxUnknown
			}
			select {
			case checked <- m.Key:
			default:
			}
			if paid {
				return mq.TxCommit
			}
			return mq.TxRollback
		}))
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_tx"
	run := exampleutil.RunID()
	got := make(chan string, 4)
	sub, err := client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
		if m.Header("run") == run {
			got <- m.Key
		}
		return nil
	}, mq.Group("example_tx_consumer"))
	if err != nil {
		return err
	}
	defer sub.Close(context.Background())

	order := func(id string) []*mq.Message {
		m := &mq.Message{Key: id, Body: []byte("order " + id + " paid")}
		m.SetHeader("run", run)
		return []*mq.Message{m}
	}
	// Commit: the local transaction succeeds.
	err = client.PublishTx(ctx, topic, order("A-"+run), func(ctx context.Context) error {
		mu.Lock()
		orders["A-"+run] = true
		mu.Unlock()
		return nil
	})
	fmt.Println("order A: commit ->", err)
	// Rollback: the local transaction fails; nobody sees the message.
	err = client.PublishTx(ctx, topic, order("B-"+run), func(ctx context.Context) error {
		return errors.New("out of stock")
	})
	fmt.Println("order B: rollback ->", err)
	// Unknown: the outcome is decided later by the broker's check-back.
	err = client.PublishTx(ctx, topic, order("C-"+run), func(ctx context.Context) error {
		go func() { // the "database" commits a moment later
			time.Sleep(500 * time.Millisecond)
			mu.Lock()
			orders["C-"+run] = true
			mu.Unlock()
		}()
		return mq.ErrTxUnknown
	})
	fmt.Println("order C: unknown ->", err)

	if err := exampleutil.Wait(ctx, got, 2, func(k string) {
		fmt.Println("consumer received order", k)
	}); err != nil {
		return err
	}
	return nil
}
