package main

import (
	"context"
	"fmt"
	"io"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the operation failed (broker, network, a message refused)
	exitUsage = 2 // the command line is wrong
)

// env is what a subcommand runs with: its streams and MQ_URL.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"ping", "check that a broker URL opens", runPing},
		{"publish", "publish messages from arguments, stdin lines or a generator", runPublish},
		{"consume", "consume messages as a group member and ack, nack or leave them", runConsume},
		{"tail", "print every new message of a topic without committing anything", runTail},
		{"bridge", "move messages from one broker's topic to another's, at least once", runBridge},
		{"bench", "measure publish and consume throughput and latency", runBench},
		{"topics", "administer topics: topics create|describe URL TOPIC [--group G ...]", runTopics},
	}
}

// run is the whole command: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return status(stderr, c.name, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "unimq: unknown command %q (see unimq --help)\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "unimq: publish, consume and move messages on any broker unimq speaks.\n\n")
	fmt.Fprintf(w, "Usage: unimq <command> [URL] [arguments] [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nURL schemes: memory://, kafka://, amqp://, amqps://, rocketmq://.\n")
	fmt.Fprintf(w, "The URL may be left out when MQ_URL is set. unimq <command> --help shows its flags.\n")
}
