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
	all := exampleutil.NewInbox(3)
	selected := all.Sibling(3) // the same run: what all stamps, selected keeps too
	s1, err := client.Subscribe(ctx, topic, selected.Handle, mq.Group("example_tags_ac"), mq.TagFilter("TagA || TagC"))
	if err != nil {
		return err
	}
	defer s1.Close(context.Background())
	s2, err := client.Subscribe(ctx, topic, all.Handle, mq.Group("example_tags_all"), mq.TagFilter("*"))
	if err != nil {
		return err
	}
	defer s2.Close(context.Background())

	for _, tag := range []string{"TagA", "TagB", "TagC"} {
		m := all.Stamp(&mq.Message{Tag: tag, Body: []byte("tagged " + tag)})
		if err := client.Publish(ctx, topic, m); err != nil {
			return err
		}
	}
	if err := all.Wait(ctx, 3, func(m *mq.Message) {
		fmt.Println(`"*" got`, m.Tag)
	}); err != nil {
		return err
	}
	if err := selected.Wait(ctx, 2, func(m *mq.Message) {
		fmt.Println(`"TagA || TagC" got`, m.Tag)
	}); err != nil {
		return err
	}
	// Nothing more within a second: TagB was filtered out.
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := selected.Wait(wctx, 1, nil); err == nil {
		return fmt.Errorf(`"TagA || TagC" got a third message`)
	}
	return nil
}
