// Command tags is RocketMQ tag filtering: messages tagged TagA, TagB and
// TagC; a subscriber with the expression "TagA || TagC" (filtered by the
// broker) gets only those, another group with "*" gets all.
//
//	go run ./examples/rocketmq/tags
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/examples/internal/exampleutil"
	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

func main() { exampleutil.Main(60*time.Second, run) }

func run(ctx context.Context) error {
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_tags"
	run := exampleutil.RunID()
	selected, all := make(chan string, 3), make(chan string, 3)
	listen := func(group, expr string, out chan string) (*mq.Subscriber, error) {
		return client.Subscribe(ctx, topic, func(ctx context.Context, m *mq.Message) error {
			if m.Header("run") == run {
				out <- m.Tag
			}
			return nil
		}, mq.Group(group), mq.TagFilter(expr))
	}
	s1, err := listen("example_tags_ac", "TagA || TagC", selected)
	if err != nil {
		return err
	}
	defer s1.Close(context.Background())
	s2, err := listen("example_tags_all", "*", all)
	if err != nil {
		return err
	}
	defer s2.Close(context.Background())

	for _, tag := range []string{"TagA", "TagB", "TagC"} {
		m := &mq.Message{Tag: tag, Body: []byte("tagged " + tag)}
		m.SetHeader("run", run)
		if err := client.Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	if err := exampleutil.Wait(ctx, all, 3, func(tag string) {
		fmt.Println(`"*" got`, tag)
	}); err != nil {
		return err
	}
	if err := exampleutil.Wait(ctx, selected, 2, func(tag string) {
		fmt.Println(`"TagA || TagC" got`, tag)
	}); err != nil {
		return err
	}
	select {
	case tag := <-selected:
		return fmt.Errorf(`"TagA || TagC" got %s`, tag)
	case <-time.After(time.Second):
	}
	return nil
}
