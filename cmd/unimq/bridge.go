package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq"
)

var bridgeSpec = spec{
	name: "bridge",
	args: "SRC_URL SRC_TOPIC DST_URL DST_TOPIC",
	about: `Moves the messages of SRC_TOPIC on one broker to DST_TOPIC on another (or the
same), at least once: a source message is acknowledged only after the
destination confirmed its copy, so a bridge killed at any point (even with
SIGKILL) and started again with the same --group loses nothing; it may copy
again what was confirmed but not yet acknowledged. Id, key, tag, headers and
body are preserved; headers named unimq-* (the source's retry and dead-letter
bookkeeping) are not copied. A new --group starts at --from (default auto:
oldest where the source has it, i.e. everything it retains; on RabbitMQ the
group's queue keeps what is published from its creation on: declare it first
with unimq topics create). Progress goes to stderr: a line redrawn every second
on a terminal, else a log line every --progress (total, rate and, where the
source can tell, lag: the messages the group has not acknowledged yet, as
mq.Subscriber.Backlog counts them on every backend).`,
	examples: []string{
		"unimq bridge amqp://guest:guest@127.0.0.1:5672/ orders kafka://127.0.0.1:9092 orders",
		"unimq bridge kafka://127.0.0.1:9092 orders rocketmq://127.0.0.1:9876 orders --group migrate --tag 'created || paid'",
	},
}

// reservedPrefix marks headers that belong to unimq's own bookkeeping.
const reservedPrefix = "unimq-"

func runBridge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(bridgeSpec, e)
	group := fs.String("group", "unimq-bridge", "source consumer group: the position a restarted bridge resumes from")
	from := fs.String("from", "auto", "where a new group starts: oldest, newest, an RFC 3339 time, or auto (oldest where the source has it)")
	tag := fs.String("tag", "", "copy only messages whose tag matches this expression ('a || b')")
	pattern := fs.String("pattern", "", "copy only messages whose tag matches this pattern ('order.#')")
	conc := fs.Int("concurrency", 8, "messages copied at once")
	ordered := fs.Bool("ordered", false, "copy the messages of one key in order (one at a time per key)")
	count := fs.Int("count", 0, "exit after N messages copied (0: run until interrupted)")
	perSec := fs.Float64("rate", 0, "copy at most this many messages per second (0: no limit)")
	every := fs.Duration("progress", 10*time.Second, "interval of progress lines on stderr (0: none)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 4 {
		return usagef("want SRC_URL SRC_TOPIC DST_URL DST_TOPIC, got %d arguments", len(pos))
	}
	rf := receiveFlags{from: *from, tag: *tag, pattern: *pattern, count: *count}
	opts, err := rf.options()
	if err != nil {
		return err
	}
	if *conc < 1 || *perSec < 0 {
		return usagef("--concurrency must be at least 1 and --rate not negative")
	}
	opts = append(opts, mq.Group(*group), mq.Concurrency(*conc))
	if *ordered {
		opts = append(opts, mq.Ordered())
	}
	src, err := open(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer closeClient(src)
	dst, err := open(ctx, e, pos[2])
	if err != nil {
		return err
	}
	defer closeClient(dst)
	b := &bridge{dst: dst, topic: pos[3], count: int64(*count), full: make(chan struct{}), stderr: e.stderr}
	if *perSec > 0 {
		b.tick = time.NewTicker(time.Duration(float64(time.Second) / *perSec))
		defer b.tick.Stop()
	}
	if *from == "auto" && src.Capabilities().Has(mq.CapStartOldest) {
		opts = append(opts, mq.StartFrom(mq.Oldest))
	}
	sub, err := src.Subscribe(ctx, pos[1], b.handle, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "bridging %s %s -> %s %s (group %s)\n", src, pos[1], dst, pos[3], *group)
	stop := b.progress(*every, newLagMeter(sub.Backlog))
	select {
	case <-ctx.Done():
	case <-b.full:
	}
	cctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err = sub.Close(cctx)
	stop()
	fmt.Fprintf(e.stderr, "bridged %d messages\n", b.total.Load())
	return err
}

// bridge copies each source message to the destination.
type bridge struct {
	dst   *mq.Client
	topic string
	count int64 // stop after this many (0: never)
	total atomic.Int64
	full  chan struct{} // closed once count copies are confirmed
	once  sync.Once
	tick  *time.Ticker // --rate, nil without

	logMu  sync.Mutex // serializes stderr between handlers and progress
	stderr io.Writer
}

// logf writes one line to stderr.
func (b *bridge) logf(format string, args ...any) {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	fmt.Fprintf(b.stderr, format, args...)
}

// handle publishes m's copy and returns the destination's verdict: the
// source acknowledges m only when it is nil.
func (b *bridge) handle(ctx context.Context, m *mq.Message) error {
	if b.tick != nil {
		select {
		case <-b.tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := b.dst.Publish(ctx, b.topic, copyOf(m)); err != nil {
		if ctx.Err() == nil {
			b.logf("%s bridge: copy of %s (attempt %d) not confirmed, the source redelivers it: %s\n",
				time.Now().UTC().Format(time.RFC3339), describe(m), m.Attempt, oneLine(err))
		}
		return err
	}
	if n := b.total.Add(1); b.count > 0 && n >= b.count {
		b.once.Do(func() { close(b.full) })
	}
	return nil
}

// copyOf is what the destination gets of m: its id, key, tag, body and
// headers but the reserved unimq-* ones.
func copyOf(m *mq.Message) *mq.Message {
	c := &mq.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Body: m.Body}
	for k, v := range m.Headers {
		if strings.HasPrefix(strings.ToLower(k), reservedPrefix) {
			continue
		}
		c.SetHeader(k, v)
	}
	return c
}

// progress reports total, rate and, where the source tells it, lag (the
// messages its group has not acknowledged yet) every interval until stop
// is called: a line redrawn in place on a terminal, a log line otherwise.
func (b *bridge) progress(every time.Duration, lm *lagMeter) (stop func()) {
	if every <= 0 {
		return func() {}
	}
	tty := isTerminal(b.stderr)
	if tty {
		every = min(every, time.Second)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		last, lastAt := int64(0), time.Now()
		for {
			select {
			case <-done:
				if tty {
					b.logf("\n")
				}
				return
			case now := <-t.C:
				n := b.total.Load()
				rate := float64(n-last) / now.Sub(lastAt).Seconds()
				lag := ""
				if l := lm.lag(now); l >= 0 {
					lag = fmt.Sprintf(" lag=%d", l)
				}
				if tty {
					b.logf("\rbridged %d messages, %.1f/s%s   ", n, rate, lag)
				} else {
					b.logf("%s bridge progress: total=%d rate=%.1f/s%s\n", now.UTC().Format(time.RFC3339), n, rate, lag)
				}
				last, lastAt = n, now
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// describe names m in a log line: its id, else the source's broker id.
func describe(m *mq.Message) string {
	if m.ID != "" {
		return "id " + m.ID
	}
	return "message " + m.BrokerID
}
