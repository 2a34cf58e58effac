package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
)

var publishSpec = spec{
	name: "publish",
	args: "[URL] TOPIC [MESSAGE...]",
	about: `Publishes each MESSAGE argument as one message, or each --file's content;
without any, each line of stdin (without its line ending); with --count N, N
generated bodies of --size bytes.
By default each publish waits for the broker's confirmation and prints what it
confirmed: partition, offset, id and broker id (-1 / empty where the backend
reports none). --async publishes with callbacks (confirmations printed as they
come); --oneway sends without confirmation (lossy, where the backend has it).
Exit status 1 as soon as one publish fails.`,
	examples: []string{
		`unimq publish kafka://127.0.0.1:9092 orders --key o-1 --tag created '{"id":1}'`,
		`printf 'a\nb\n' | unimq publish amqp://guest:guest@127.0.0.1:5672/ orders --header src=cli`,
		"unimq publish rocketmq://127.0.0.1:9876 orders --count 1000 --size 256 --rate 100 --async",
	},
}

type publishOpts struct {
	key, tag, id  string
	headers       headerFlag
	files         listFlag
	delay         time.Duration
	count, size   int
	rate          float64
	async, oneway bool
	quiet         bool
}

func runPublish(ctx context.Context, e *env, args []string) error {
	fs := newFlags(publishSpec, e)
	o := publishOpts{headers: headerFlag{}}
	fs.StringVar(&o.key, "key", "", "message key (orders and partitions)")
	fs.StringVar(&o.tag, "tag", "", "message tag")
	fs.StringVar(&o.id, "id", "", "message id (with several messages: ID-1, ID-2, ...)")
	fs.Var(o.headers, "header", "header `k=v` (repeatable)")
	fs.Var(&o.files, "file", "publish the content of `path` as one message (repeatable)")
	fs.DurationVar(&o.delay, "delay", 0, "deliver after this delay (backends with delay only)")
	fs.IntVar(&o.count, "count", 0, "publish N generated messages instead of arguments or stdin")
	fs.IntVar(&o.size, "size", 100, "body size in bytes of generated messages (--count)")
	fs.Float64Var(&o.rate, "rate", 0, "at most this many messages per second (0: no limit)")
	fs.BoolVar(&o.async, "async", false, "publish asynchronously; confirmations printed as they arrive")
	fs.BoolVar(&o.oneway, "oneway", false, "send without confirmation (lossy)")
	fs.BoolVar(&o.quiet, "quiet", false, "print only the final count")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	url, pos, err := urlArg(e, pos)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no TOPIC")
	}
	topic, bodies := pos[0], pos[1:]
	switch {
	case o.async && o.oneway:
		return usagef("--async and --oneway exclude each other")
	case o.count < 0 || o.size < 0 || o.rate < 0:
		return usagef("--count, --size and --rate must not be negative")
	case o.count > 0 && (len(bodies) > 0 || len(o.files) > 0):
		return usagef("--count generates messages: give no MESSAGE arguments or --file")
	case len(o.files) > 0 && len(bodies) > 0:
		return usagef("give MESSAGE arguments or --file, not both")
	}
	for _, f := range o.files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("--file: %w", err)
		}
		bodies = append(bodies, string(b))
	}
	c, err := open(ctx, e, url)
	if err != nil {
		return err
	}
	p := &publisher{c: c, e: e, topic: topic, o: o, numbered: len(bodies) != 1}
	err = p.all(ctx, source(e.stdin, bodies, o))
	if cerr := closeClient(c); err == nil {
		err = cerr
	}
	if err == nil {
		err = p.asyncErr()
	}
	if err != nil {
		return err // one line: the count went with the confirmations
	}
	fmt.Fprintf(e.stderr, "published %d messages to %s on %s\n", p.done(), topic, c)
	return nil
}

// source yields the bodies to publish: arguments, generated ones or stdin
// lines. next returns false at the end; err reports a read error.
type bodySource struct {
	next func() ([]byte, bool)
	err  func() error
}

func source(stdin io.Reader, args []string, o publishOpts) bodySource {
	switch {
	case len(args) > 0:
		i := 0
		return bodySource{func() ([]byte, bool) {
			if i == len(args) {
				return nil, false
			}
			i++
			return []byte(args[i-1]), true
		}, func() error { return nil }}
	case o.count > 0:
		i := 0
		return bodySource{func() ([]byte, bool) {
			if i == o.count {
				return nil, false
			}
			i++
			return generated(i, o.size), true
		}, func() error { return nil }}
	default:
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 64<<20)
		return bodySource{func() ([]byte, bool) {
			if !sc.Scan() {
				return nil, false
			}
			return append([]byte(nil), sc.Bytes()...), true
		}, sc.Err}
	}
}

// generated is body n of size bytes: its number, then a repeated alphabet.
func generated(n, size int) []byte {
	b := make([]byte, size)
	prefix := strconv.Itoa(n) + " "
	for i := range b {
		if i < len(prefix) {
			b[i] = prefix[i]
		} else {
			b[i] = 'a' + byte(i%26)
		}
	}
	return b
}

// publisher publishes messages and prints their confirmations.
type publisher struct {
	c     *mq.Client
	e     *env
	topic string
	o     publishOpts
	// numbered: --id gets "-N" appended (unless exactly one argument)
	numbered bool

	mu    sync.Mutex // guards what follows and stdout
	n     int        // messages confirmed (or sent, one-way)
	first error      // first async failure
}

func (p *publisher) all(ctx context.Context, src bodySource) error {
	var tick *time.Ticker
	if p.o.rate > 0 {
		tick = time.NewTicker(time.Duration(float64(time.Second) / p.o.rate))
		defer tick.Stop()
	}
	for i := 1; ; i++ {
		body, ok := src.next()
		if !ok {
			return src.err()
		}
		if err := p.asyncErr(); err != nil {
			return err
		}
		if tick != nil && i > 1 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := p.one(ctx, p.message(i, body)); err != nil {
			return err
		}
	}
}

func (p *publisher) message(i int, body []byte) *mq.Message {
	m := &mq.Message{Key: p.o.key, Tag: p.o.tag, Body: body, Delay: p.o.delay, ID: p.o.id}
	if p.o.id != "" && p.numbered {
		m.ID = p.o.id + "-" + strconv.Itoa(i)
	}
	if len(p.o.headers) > 0 {
		m.Headers = make(map[string]string, len(p.o.headers))
		for k, v := range p.o.headers {
			m.Headers[k] = v
		}
	}
	return m
}

func (p *publisher) one(ctx context.Context, m *mq.Message) error {
	switch {
	case p.o.oneway:
		if err := p.c.PublishOneWay(ctx, p.topic, m); err != nil {
			return err
		}
		p.mu.Lock()
		p.n++
		p.mu.Unlock()
		return nil
	case p.o.async:
		return p.c.PublishAsync(ctx, p.topic, m, p.confirmed)
	default:
		err := p.c.Publish(ctx, p.topic, m)
		p.confirmed(m, err)
		return err
	}
}

// confirmed records and prints one confirmation.
func (p *publisher) confirmed(m *mq.Message, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.first == nil {
			p.first = err
		}
		return
	}
	p.n++
	if !p.o.quiet {
		fmt.Fprintf(p.e.stdout, "confirmed topic=%s partition=%d offset=%d id=%s broker-id=%s\n",
			p.topic, m.Partition, m.Offset, m.ID, m.BrokerID)
	}
}

func (p *publisher) asyncErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.first
}

func (p *publisher) done() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
