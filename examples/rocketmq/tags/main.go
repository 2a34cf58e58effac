// Command tags is seed 000's tag selector: messages tagged TagA, TagB and
// TagC; a subscriber with the expression "TagA || TagC" (filtered by the
// broker) gets only those, another group with "*" gets all.
//
//	go run ./examples/rocketmq/tags
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/unimq/unimq/mq"
	_ "github.com/unimq/unimq/rocketmq"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tags:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client, err := mq.OpenEnv(ctx, "rocketmq://127.0.0.1:9876")
	if err != nil {
		return err
	}
	defer client.Close(context.Background())

	const topic = "example_tags"
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
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
	for i := 0; i < 3; i++ {
		select {
		case tag := <-all:
			fmt.Println(`"*" got`, tag)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i := 0; i < 2; i++ {
		select {
		case tag := <-selected:
			fmt.Println(`"TagA || TagC" got`, tag)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case tag := <-selected:
		return fmt.Errorf(`"TagA || TagC" got %s`, tag)
	case <-time.After(time.Second):
	}
	return nil
}
