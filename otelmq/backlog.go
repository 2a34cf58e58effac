package otelmq

import (
	"context"
	"sync"
	"time"
	"weak"

	"go.opentelemetry.io/otel/metric"

	"github.com/unimq/unimq/mq"
)

// DefaultBacklogInterval is how long a backlog answer is reused before the
// broker is asked again (WithBacklogInterval).
const DefaultBacklogInterval = 10 * time.Second

// backlogTimeout bounds the broker round trips of one collection, all
// subscriptions together.
const backlogTimeout = 2 * time.Second

// backlogGauge is the observable gauge MetricBacklog. It starts no
// goroutine: the SDK calls observe when a reader collects, and observe asks
// each watched client's open subscriptions for their backlog
// (mq.Client.Backlog), at most once per interval each, bounded by
// backlogTimeout. Clients are held weakly: one the application dropped is
// forgotten, and a closed one has no subscriptions left to report. mu
// guards the list of clients only, so that Open (watch) never waits for a
// collection's broker round trips; each client's answers have a lock of
// their own.
type backlogGauge struct {
	every time.Duration // how long an answer is reused; < 0: gauge off
	gauge metric.Int64ObservableGauge

	mu      sync.Mutex
	clients map[weak.Pointer[mq.Client]]*clientBacklog
}

// clientBacklog is the last answers for one client's groups.
type clientBacklog struct {
	mu      sync.Mutex
	answers map[subKey]backlogEntry
}

type subKey struct{ topic, group string }

type backlogEntry struct {
	n  int64
	ok bool // the last question was answered
	at time.Time
}

// init registers the gauge and its callback; a meter that refuses them
// leaves the gauge off (the meter has reported why through otel.Handle).
func (g *backlogGauge) init(m metric.Meter, every time.Duration) {
	g.every = every
	if every < 0 {
		return
	}
	gauge, err := m.Int64ObservableGauge(MetricBacklog, metric.WithUnit("{message}"),
		metric.WithDescription("Messages waiting for a consumer group: published, and not yet acknowledged by the group."))
	if err != nil || gauge == nil {
		g.every = -1
		return
	}
	if _, err := m.RegisterCallback(g.observe, gauge); err != nil {
		g.every = -1
		return
	}
	g.gauge = gauge
}

// watch adds c to the clients observed, forgetting those collected since.
func (g *backlogGauge) watch(c *mq.Client) {
	if g.every < 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.clients == nil {
		g.clients = map[weak.Pointer[mq.Client]]*clientBacklog{}
	}
	for wp := range g.clients {
		if wp.Value() == nil {
			delete(g.clients, wp)
		}
	}
	g.clients[weak.Make(c)] = &clientBacklog{answers: map[subKey]backlogEntry{}}
}

// watched returns the clients still alive with their answers.
func (g *backlogGauge) watched() ([]*mq.Client, []*clientBacklog) {
	g.mu.Lock()
	defer g.mu.Unlock()
	cs := make([]*mq.Client, 0, len(g.clients))
	bs := make([]*clientBacklog, 0, len(g.clients))
	for wp, b := range g.clients {
		c := wp.Value()
		if c == nil {
			delete(g.clients, wp)
			continue
		}
		cs, bs = append(cs, c), append(bs, b)
	}
	return cs, bs
}

// observe reports the backlog of every group subscribed on a watched
// client (once per topic and group), asking the broker for those whose
// last answer is older than the interval. A group whose last question
// failed is not reported until an answer comes.
func (g *backlogGauge) observe(ctx context.Context, o metric.Observer) error {
	ctx, cancel := context.WithTimeout(ctx, backlogTimeout)
	defer cancel()
	cs, bs := g.watched()
	for i, c := range cs {
		g.observeClient(ctx, o, c, bs[i])
	}
	return nil
}

func (g *backlogGauge) observeClient(ctx context.Context, o metric.Observer, c *mq.Client, b *clientBacklog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	backend := c.Capabilities().Backend
	now := time.Now()
	seen := make(map[subKey]bool, len(b.answers))
	for _, si := range c.Subscriptions() {
		k := subKey{si.Topic, si.Group}
		if si.Group == "" || seen[k] {
			continue // a broadcast subscriber has no group
		}
		seen[k] = true
		e, cached := b.answers[k]
		if !cached || now.Sub(e.at) >= g.every {
			n, err := c.Backlog(ctx, k.topic, k.group)
			e = backlogEntry{n: n, ok: err == nil, at: now}
			b.answers[k] = e
		}
		if e.ok {
			o.ObserveInt64(g.gauge, e.n, metric.WithAttributes(base(backend, k.topic, k.group)...))
		}
	}
	for k := range b.answers {
		if !seen[k] {
			delete(b.answers, k)
		}
	}
}
