// Command unimq publishes, consumes, tails, bridges and benchmarks messages
// on any broker unimq speaks (memory://, kafka://, amqp://, amqps://,
// rocketmq://), picked by URL:
//
//	unimq ping kafka://127.0.0.1:9092
//	unimq publish amqp://guest:guest@127.0.0.1:5672/ orders --key o-1 '{"id":1}'
//	unimq consume rocketmq://127.0.0.1:9876 orders --group billing --count 10
//	unimq tail kafka://127.0.0.1:9092 orders --format json
//	unimq bridge amqp://127.0.0.1:5672/ orders kafka://127.0.0.1:9092 orders
//	unimq bench memory:// bench --count 10000 --size 512
//	unimq topics create kafka://127.0.0.1:9092 orders --group billing
//
// Every subcommand takes the URL as its first argument, or from MQ_URL when
// that argument is left out. See docs/cli.md for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
