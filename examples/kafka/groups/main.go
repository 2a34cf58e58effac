// Command groups shows Kafka's two consumer group patterns through unimq:
//
//   - point to point inside a group: the taxi drivers of Chengdu form one
//     group and compete, so each rider is picked up by exactly one of them;
//
//   - publish/subscribe across groups: Xiamen's drivers are another group and
//     get every rider too, without competing with Chengdu.
//
//     go run ./examples/kafka/groups
//     MQ_URL=kafka://10.0.0.5:9092 go run ./examples/kafka/groups
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
)

func main() { exampleutil.Main(90*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "kafka://127.0.0.1:9092")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "taxi-riders"
	// 4 partitions so that two members of a group can share the work.
	if err := kafka.CreateTopic(ctx, client, topic, 4, 0); err != nil {
		return err
	}
	in := exampleutil.NewInbox(0) // stamps and tells this run's riders
	const riders = 20

	var mu sync.Mutex
	pickedBy := map[string]map[string]int{} // group -> driver -> rides
	done := make(chan struct{}, 2*riders)
	driver := func(group, name string) mq.Handler {
		return func(ctx context.Context, m *mq.Message) error {
			if !in.Ours(m) {
				return nil // a rider from an earlier run
			}
			mu.Lock()
			if pickedBy[group] == nil {
				pickedBy[group] = map[string]int{}
			}
			pickedBy[group][name]++
			mu.Unlock()
			done <- struct{}{}
			return nil
		}
	}
	for _, d := range []struct{ group, name string }{
		{"chengdu", "chengdu-driver-1"}, {"chengdu", "chengdu-driver-2"}, {"xiamen", "xiamen-driver-1"},
	} {
		s, err := client.Subscribe(ctx, topic, driver(d.group, d.name), mq.Group(d.group))
		if err != nil {
			return err
		}
		defer s.Close(context.Background())
	}

	for i := 0; i < riders; i++ {
		m := in.Stamp(&mq.Message{Key: fmt.Sprintf("rider-%d", i), Body: []byte(fmt.Sprintf("rider %d at the station", i))})
		if err := client.Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	if err := exampleutil.Wait(ctx, done, 2*riders, nil); err != nil {
		return fmt.Errorf("waiting for riders: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, g := range []string{"chengdu", "xiamen"} {
		total := 0
		for name, n := range pickedBy[g] {
			fmt.Printf("%s: %s picked up %d riders\n", g, name, n)
			total += n
		}
		fmt.Printf("%s: %d of %d riders\n", g, total, riders)
	}
	return nil
}
