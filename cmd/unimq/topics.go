package main

import (
	"context"
	"fmt"
)

var topicsSpec = spec{
	name: "topics create",
	args: "[URL] TOPIC",
	about: `Creates TOPIC and, for each --group, what keeps its messages for that group
(mq.Client.Declare): Kafka and RocketMQ create the topic when missing; RabbitMQ
declares the exchange (or queue) and one durable queue per group; memory creates
the topic and the groups' positions. Idempotent. Messages published after it
returns are kept for the declared groups even before any consumer runs.`,
	examples: []string{
		"unimq topics create kafka://127.0.0.1:9092 orders --group billing --group audit",
	},
}

func runTopics(ctx context.Context, e *env, args []string) error {
	fs := newFlags(topicsSpec, e)
	var groups listFlag
	fs.Var(&groups, "group", "a consumer `group` to declare (repeatable)")
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help") {
			fs.help()
			return errHelp
		}
		return usagef("want: unimq topics create [URL] TOPIC [--group G ...]")
	}
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	url, pos, err := urlArg(e, pos)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one TOPIC, got %d arguments", len(pos))
	}
	c, err := open(ctx, e, url)
	if err != nil {
		return err
	}
	err = c.Declare(ctx, pos[0], groups...)
	if cerr := closeClient(c); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "declared topic=%s groups=%s on %s\n", pos[0], groups.String(), c)
	return nil
}
