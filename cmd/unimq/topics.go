package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

var topicsSpec = spec{
	name: "topics",
	args: "create|describe [URL] TOPIC",
	about: `topics create declares TOPIC and, for each --group, what keeps its messages for
that group (mq.Client.Declare): Kafka and RocketMQ create the topic when missing;
RabbitMQ declares the exchange (or queue) and one durable queue per group;
memory creates the topic and the groups' positions. Idempotent. Messages
published after it returns are kept for the declared groups even before any
consumer runs.

topics describe prints what the broker tells of TOPIC: Kafka its partitions
(leader, oldest and newest offset) and each --group's backlog from its
committed offsets; RocketMQ its queues per broker (from the name servers);
RabbitMQ whether it is a queue (messages, consumers) or an exchange, and each
--group's queue; memory its partitions, messages and groups' backlogs. It
changes nothing; an unknown topic fails. A backend that cannot tell fails with
"unsupported".`,
	examples: []string{
		"unimq topics create kafka://127.0.0.1:9092 orders --group billing --group audit",
		"unimq topics describe kafka://127.0.0.1:9092 orders --group billing",
	},
}

func runTopics(ctx context.Context, e *env, args []string) error {
	fs := newFlags(topicsSpec, e)
	var groups listFlag
	fs.Var(&groups, "group", "a consumer `group` to declare or describe (repeatable)")
	asJSON := fs.Bool("json", false, "describe: JSON instead of text lines")
	if len(args) == 0 || (args[0] != "create" && args[0] != "describe") {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help") {
			fs.help()
			return errHelp
		}
		return usagef("want: unimq topics create|describe [URL] TOPIC [--group G ...]")
	}
	verb := args[0]
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
	var info *topicInfo
	if verb == "create" {
		err = c.Declare(ctx, pos[0], groups...)
	} else {
		info, err = describeTopic(ctx, c, url, pos[0], groups)
	}
	if cerr := closeClient(c); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	switch {
	case verb == "create":
		fmt.Fprintf(e.stdout, "declared topic=%s groups=%s on %s\n", pos[0], groups.String(), c)
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(info)
	default:
		printTopic(e.stdout, info)
	}
	return nil
}

// printTopic writes info as key=value lines: the topic, then one line per
// partition or queue, then one per group.
func printTopic(w io.Writer, info *topicInfo) {
	num := func(n int64) string {
		if n < 0 {
			return "unknown"
		}
		return strconv.FormatInt(n, 10)
	}
	fmt.Fprintf(w, "topic=%s backend=%s kind=%s", info.Topic, info.Backend, info.Kind)
	if len(info.Parts) > 0 {
		fmt.Fprintf(w, " parts=%d", len(info.Parts))
	}
	if info.Depth >= 0 {
		fmt.Fprintf(w, " messages=%d", info.Depth)
	}
	fmt.Fprintln(w)
	for _, p := range info.Parts {
		fmt.Fprintf(w, "part=%d", p.ID)
		if p.Broker != "" {
			fmt.Fprintf(w, " broker=%s", p.Broker)
		}
		if p.Oldest >= 0 || p.Newest >= 0 {
			fmt.Fprintf(w, " oldest=%s newest=%s", num(p.Oldest), num(p.Newest))
		}
		fmt.Fprintln(w)
	}
	for _, g := range info.Groups {
		fmt.Fprintf(w, "group=%s", g.Name)
		if g.Queue != "" {
			fmt.Fprintf(w, " queue=%s", g.Queue)
		}
		fmt.Fprintf(w, " backlog=%s", num(g.Backlog))
		if g.Consumers >= 0 {
			fmt.Fprintf(w, " consumers=%d", g.Consumers)
		}
		fmt.Fprintln(w)
	}
}
