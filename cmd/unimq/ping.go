package main

import (
	"context"
	"fmt"
	"time"
)

var pingSpec = spec{
	name: "ping",
	args: "[URL]",
	about: `Opens the URL, makes one round trip to the broker (mq.Client.Ping) and closes
it again: exit status 0 when the broker answered, 1 otherwise. Kafka: a metadata
request to a connected broker; RabbitMQ: a channel opened and closed on each
connection; RocketMQ: a route query to the name servers and a heartbeat to a
broker; memory: its fault injection. It sends no message and creates nothing.
Prints the backend, the round trip's duration and its capabilities, with the
URL's credentials redacted.`,
	examples: []string{
		"unimq ping kafka://127.0.0.1:9092",
		"MQ_URL=amqp://guest:guest@127.0.0.1:5672/ unimq ping && echo up",
	},
}

func runPing(ctx context.Context, e *env, args []string) error {
	fs := newFlags(pingSpec, e)
	quiet := fs.Bool("quiet", false, "print nothing, only set the exit status")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	url, pos, err := urlArg(e, pos)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	c, err := open(ctx, e, url)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := c.Ping(ctx); err != nil {
		_ = closeClient(c)
		return err
	}
	rtt := time.Since(start)
	caps := c.Capabilities()
	if !*quiet {
		fmt.Fprintf(e.stdout, "ok %s backend=%s rtt=%s features=%s\n", c, caps.Backend, rtt.Round(time.Microsecond), caps.Features)
	}
	return closeClient(c)
}
