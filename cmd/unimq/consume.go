package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq"
)

var consumeSpec = spec{
	name: "consume",
	args: "[URL] TOPIC",
	about: `Receives the messages of TOPIC as a member of --group (a pull consumer) and
prints each one. --ack says what happens to them after printing: ack (default:
the group moves past them), nack (redelivered after backoff, dead-lettered after
the consumer's max attempts), or none (left unsettled: they come back to the
group after the command exits). A new group starts at --from; a group that
consumed before resumes where it left off. Runs until --count messages were
printed, or until interrupted.`,
	examples: []string{
		"unimq consume kafka://127.0.0.1:9092 orders --group billing --from oldest --count 10",
		"unimq consume rocketmq://127.0.0.1:9876 orders --tag 'created || paid' --format json",
	},
}

var tailSpec = spec{
	name: "tail",
	args: "[URL] TOPIC",
	about: `Prints the messages of TOPIC as a broadcast subscriber: it gets every message
whatever groups consume the topic, and never moves any group's position (Kafka:
no group at all; RabbitMQ: its own exclusive auto-delete queue, so only messages
published while it runs; RocketMQ: the broadcasting model, positions kept in the
process only; memory: a private cursor). Starts at --from (default newest). Runs
until --count messages were printed, or until interrupted.`,
	examples: []string{
		"unimq tail kafka://127.0.0.1:9092 orders",
		"unimq tail amqp://guest:guest@127.0.0.1:5672/ orders --pattern 'order.#' --format json",
	},
}

// receiveFlags are the flags consume and tail share.
type receiveFlags struct {
	from, tag, pattern, format string
	count                      int
}

func (r *receiveFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&r.from, "from", "newest", "where a new group starts: oldest, newest or an RFC 3339 time")
	fs.StringVar(&r.tag, "tag", "", "tag filter expression: 'a', 'a || b' or '*'")
	fs.StringVar(&r.pattern, "pattern", "", "tag pattern, '*' one word, '#' zero or more ('order.*')")
	fs.StringVar(&r.format, "format", "text", "output: text or json (one object per line)")
	fs.IntVar(&r.count, "count", 0, "exit after N messages (0: run until interrupted)")
}

// options turns the flags into subscriber options.
func (r *receiveFlags) options() ([]mq.Option, error) {
	var opts []mq.Option
	switch r.from {
	case "auto":
		// the caller picks after Open
	case "newest", "":
		opts = append(opts, mq.StartFrom(mq.Newest))
	case "oldest":
		opts = append(opts, mq.StartFrom(mq.Oldest))
	default:
		t, err := time.Parse(time.RFC3339Nano, r.from)
		if err != nil {
			return nil, usagef("--from %q: want oldest, newest or an RFC 3339 time", r.from)
		}
		opts = append(opts, mq.StartAt(t))
	}
	if r.tag != "" && r.pattern != "" {
		return nil, usagef("--tag and --pattern exclude each other")
	}
	if r.tag != "" {
		if _, err := mq.ParseTagFilter(r.tag); err != nil {
			return nil, usagef("--tag: %v", err)
		}
		opts = append(opts, mq.TagFilter(r.tag))
	}
	if r.pattern != "" {
		if _, err := mq.ParseTagPattern(r.pattern); err != nil {
			return nil, usagef("--pattern: %v", err)
		}
		opts = append(opts, mq.TagPattern(r.pattern))
	}
	if r.count < 0 {
		return nil, usagef("--count must not be negative")
	}
	return opts, nil
}

func runConsume(ctx context.Context, e *env, args []string) error {
	fs := newFlags(consumeSpec, e)
	var rf receiveFlags
	rf.define(fs.FlagSet)
	group := fs.String("group", "unimq-cli", "consumer group")
	ack := fs.String("ack", "ack", "after printing: ack, nack or none")
	attempts := fs.Int("max-attempts", mq.DefaultMaxAttempts, "deliveries before a nacked message is dead-lettered")
	return receive(ctx, e, fs, args, &rf, func(opts []mq.Option) ([]mq.Option, error) {
		switch *ack {
		case "ack", "nack", "none":
		default:
			return nil, usagef("--ack %q: want ack, nack or none", *ack)
		}
		return append(opts, mq.Group(*group), mq.MaxAttempts(*attempts)), nil
	}, ack)
}

func runTail(ctx context.Context, e *env, args []string) error {
	fs := newFlags(tailSpec, e)
	var rf receiveFlags
	rf.define(fs.FlagSet)
	return receive(ctx, e, fs, args, &rf, func(opts []mq.Option) ([]mq.Option, error) {
		return append(opts, mq.Broadcast()), nil
	}, nil)
}

// errNacked is the reason given to a message nacked by --ack nack.
var errNacked = errors.New("nacked by unimq consume --ack nack")

// receive is consume and tail: pull, print, settle by policy.
func receive(ctx context.Context, e *env, fs *flags, args []string, rf *receiveFlags,
	more func([]mq.Option) ([]mq.Option, error), ack *string) error {
	pos, err := parse(fs, args)
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
	opts, err := rf.options()
	if err != nil {
		return err
	}
	if opts, err = more(opts); err != nil {
		return err
	}
	pr, err := newPrinter(e.stdout, rf.format)
	if err != nil {
		return err
	}
	c, err := open(ctx, e, url)
	if err != nil {
		return err
	}
	policy := "ack" // tail: settles its private copy only
	if ack != nil {
		policy = *ack
	}
	err = pull(ctx, e, c, pos[0], opts, pr, rf.count, policy)
	if cerr := closeClient(c); err == nil {
		err = cerr
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // interrupted: a normal end for a consumer
	}
	return err
}

func pull(ctx context.Context, e *env, c *mq.Client, topic string, opts []mq.Option, pr *printer, count int, policy string) error {
	k, err := c.NewConsumer(ctx, topic, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "consuming %s on %s\n", topic, c)
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = k.Close(cctx)
	}()
	n := 0
	for count == 0 || n < count {
		max := 64
		if count > 0 {
			max = min(max, count-n)
		}
		msgs, err := k.Receive(ctx, max, 0)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := pr.print(m); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			n++
			if err := settle(ctx, m, policy); err != nil {
				return err
			}
		}
	}
	return nil
}

func settle(ctx context.Context, m *mq.Message, policy string) error {
	switch policy {
	case "ack":
		return m.Ack(ctx)
	case "nack":
		return m.Nack(ctx, errNacked)
	}
	return nil
}
