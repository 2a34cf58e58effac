package main

import (
	"context"
	"fmt"
)

var pingSpec = spec{
	name: "ping",
	args: "[URL]",
	about: `Opens the URL and closes it again: exit status 0 when the broker accepted the
connection, 1 otherwise. Opening dials the broker on every backend (Kafka: the
cluster metadata; RabbitMQ: connection and channel, with the credentials; RocketMQ:
the name server's route data; memory: always). It sends no message and creates
nothing. Prints the backend and its capabilities, with the URL's credentials
redacted.`,
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
	caps := c.Capabilities()
	if !*quiet {
		fmt.Fprintf(e.stdout, "ok %s backend=%s features=%s\n", c, caps.Backend, caps.Features)
	}
	return closeClient(c)
}
