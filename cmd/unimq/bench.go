package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unimq/unimq/mq"
)

var benchSpec = spec{
	name: "bench",
	args: "[URL] TOPIC",
	about: `Publishes --count messages (or for --duration) of --size bytes from --publishers
goroutines while a
subscriber of a fresh group (--concurrency handlers) consumes them, and reports
publish and consume throughput and the end-to-end latency percentiles (p50,
p95, p99, max). Each message carries its publish time in header bench-ts and the
run's id in header bench-run; messages of other runs on the topic are skipped.
Publishing is confirmed (one Publish per message per publisher) unless --async.
Prints a table, or with --json one JSON object.`,
	examples: []string{
		"unimq bench kafka://127.0.0.1:9092 bench --count 100000 --size 512 --publishers 4 --async",
		"unimq bench amqp://guest:guest@127.0.0.1:5672/ bench --count 20000 --concurrency 16 --json",
	},
}

// Headers of a bench message.
const (
	benchTS     = "bench-ts"  // publish time, Unix nanoseconds
	benchRunHdr = "bench-run" // the run's id
)

// benchReport is bench's result (--json prints it as is).
type benchReport struct {
	URL         string       `json:"url"`
	Topic       string       `json:"topic"`
	Count       int          `json:"count"`
	Size        int          `json:"size"`
	Publishers  int          `json:"publishers"`
	Concurrency int          `json:"concurrency"`
	Async       bool         `json:"async"`
	Publish     benchRate    `json:"publish"`
	Consume     benchRate    `json:"consume"`
	LatencyMS   benchLatency `json:"latency_ms"`
}

type benchRate struct {
	Messages   int     `json:"messages"`
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"`
}

type benchLatency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

type benchOpts struct {
	count, size, publishers, concurrency int
	async, json                          bool
	duration, timeout                    time.Duration
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(benchSpec, e)
	var o benchOpts
	fs.IntVar(&o.count, "count", 10000, "messages to publish (unless --duration)")
	fs.DurationVar(&o.duration, "duration", 0, "publish for this long instead of --count messages")
	fs.IntVar(&o.size, "size", 256, "body size in bytes")
	fs.IntVar(&o.publishers, "publishers", 1, "publishing goroutines")
	fs.IntVar(&o.concurrency, "concurrency", 8, "consumer handlers")
	fs.BoolVar(&o.async, "async", false, "publish asynchronously (confirmations awaited at the end)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up when not every message arrived by then")
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
	if o.count < 1 || o.size < 0 || o.publishers < 1 || o.concurrency < 1 || o.timeout <= 0 || o.duration < 0 {
		return usagef("--count, --publishers, --concurrency and --timeout must be positive, --size and --duration not negative")
	}
	if o.duration > 0 {
		o.count = 0 // decided by the time
	}
	c, err := open(ctx, e, url)
	if err != nil {
		return err
	}
	defer closeClient(c)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := bench(ctx, c, pos[0], o)
	if err != nil {
		return err
	}
	if o.json {
		return json.NewEncoder(e.stdout).Encode(rep)
	}
	printBench(e, rep)
	return nil
}

// benchRun is one bench: the subscriber's bookkeeping.
type benchRun struct {
	id       string
	mu       sync.Mutex
	count    int // messages published; 0 while publishing
	lat      []time.Duration
	lastRecv time.Time
	done     chan struct{} // closed when count messages arrived
}

// published sets the number of messages to wait for.
func (b *benchRun) published(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.count = n
	if len(b.lat) >= n {
		close(b.done)
	}
}

func (b *benchRun) handle(_ context.Context, m *mq.Message) error {
	if m.Header(benchRunHdr) != b.id {
		return nil // another run's message
	}
	now := time.Now()
	ns, err := strconv.ParseInt(m.Header(benchTS), 10, 64)
	if err != nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.count > 0 && len(b.lat) >= b.count {
		return nil // a redelivery after the end
	}
	b.lat = append(b.lat, now.Sub(time.Unix(0, ns)))
	b.lastRecv = now
	if len(b.lat) == b.count {
		close(b.done)
	}
	return nil
}

func bench(ctx context.Context, c *mq.Client, topic string, o benchOpts) (*benchReport, error) {
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	b := &benchRun{id: id, lat: make([]time.Duration, 0, max(o.count, 1024)), done: make(chan struct{})}
	opts := []mq.Option{mq.Group("unimq-bench-" + id), mq.Concurrency(o.concurrency)}
	if c.Capabilities().Has(mq.CapStartOldest) {
		// a new group: the run's messages only (others are skipped), none
		// missed while the subscription settles
		opts = append(opts, mq.StartFrom(mq.Oldest))
	}
	sub, err := c.Subscribe(ctx, topic, b.handle, opts...)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = sub.Close(cctx)
	}()
	start := time.Now()
	n, pubEnd, err := benchPublish(ctx, c, topic, id, o)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("nothing published within --duration %v", o.duration)
	}
	b.published(n)
	select {
	case <-b.done:
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		return nil, fmt.Errorf("received %d of %d messages: %w", len(b.lat), n, ctx.Err())
	}
	b.mu.Lock()
	lat, last := b.lat, b.lastRecv
	b.mu.Unlock()
	rep := &benchReport{URL: c.String(), Topic: topic, Count: n, Size: o.size, Publishers: o.publishers,
		Concurrency: o.concurrency, Async: o.async,
		Publish: rate(n, o.size, pubEnd.Sub(start)), Consume: rate(n, o.size, last.Sub(start))}
	slices.Sort(lat)
	rep.LatencyMS = benchLatency{P50: ms(pct(lat, 50)), P95: ms(pct(lat, 95)), P99: ms(pct(lat, 99)), Max: ms(lat[len(lat)-1])}
	return rep, nil
}

// benchPublish publishes the run's messages (--count of them, or for
// --duration) and returns how many, when the last one was confirmed.
func benchPublish(ctx context.Context, c *mq.Client, topic, id string, o benchOpts) (int, time.Time, error) {
	body := generated(0, o.size)
	var (
		wg, async sync.WaitGroup
		mu        sync.Mutex
		first     error
		next      atomic.Int64
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	end := time.Now().Add(o.duration)
	more := func() bool {
		if o.duration > 0 {
			if time.Now().After(end) {
				return false
			}
			next.Add(1)
			return true
		}
		return next.Add(1) <= int64(o.count)
	}
	for range o.publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed() && more() {
				m := &mq.Message{Body: body, Headers: map[string]string{benchRunHdr: id,
					benchTS: strconv.FormatInt(time.Now().UnixNano(), 10)}}
				if !o.async {
					if err := c.Publish(ctx, topic, m); err != nil {
						fail(err)
					}
					continue
				}
				async.Add(1)
				if err := c.PublishAsync(ctx, topic, m, func(_ *mq.Message, err error) {
					if err != nil {
						fail(err)
					}
					async.Done()
				}); err != nil {
					async.Done()
					fail(err)
				}
			}
		}()
	}
	wg.Wait()
	async.Wait()
	if first != nil {
		return 0, time.Time{}, first // mq's error names the publish
	}
	if o.duration > 0 {
		return int(next.Load()), time.Now(), nil
	}
	return o.count, time.Now(), nil
}

func rate(n, size int, d time.Duration) benchRate {
	s := max(d.Seconds(), 1e-9)
	return benchRate{Messages: n, Seconds: s, MsgsPerSec: float64(n) / s, MBPerSec: float64(n*size) / s / 1e6}
}

// pct is the p-th percentile of sorted (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func printBench(e *env, r *benchReport) {
	w := e.stdout
	fmt.Fprintf(w, "%s topic=%s count=%d size=%d publishers=%d concurrency=%d async=%t\n",
		r.URL, r.Topic, r.Count, r.Size, r.Publishers, r.Concurrency, r.Async)
	fmt.Fprintf(w, "%-8s %10s %9s %12s %9s\n", "", "messages", "seconds", "msg/s", "MB/s")
	for _, x := range []struct {
		n string
		r benchRate
	}{{"publish", r.Publish}, {"consume", r.Consume}} {
		fmt.Fprintf(w, "%-8s %10d %9.3f %12.1f %9.2f\n", x.n, x.r.Messages, x.r.Seconds, x.r.MsgsPerSec, x.r.MBPerSec)
	}
	fmt.Fprintf(w, "latency ms  p50=%.3f  p95=%.3f  p99=%.3f  max=%.3f\n", r.LatencyMS.P50, r.LatencyMS.P95, r.LatencyMS.P99, r.LatencyMS.Max)
}
