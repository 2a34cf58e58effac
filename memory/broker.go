package memory

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/unimq/unimq/mq/driver"
)

// FullMode is what a publish does when a partition holds MaxBacklog messages
// that some group still needs.
type FullMode int

const (
	// Block waits until a group settles enough messages (or ctx is done).
	Block FullMode = iota
	// Fail returns an error matching mq.ErrFull at once.
	Fail
)

func (f FullMode) String() string {
	if f == Fail {
		return "fail"
	}
	return "block"
}

// Defaults of Config (and of the URL parameters of the same meaning).
const (
	DefaultPartitions     = 4
	DefaultMaxBacklog     = 100000
	DefaultMaxMessageSize = 4 << 20
)

// Upper bounds of Config (and of the URL parameters of the same meaning):
// a larger value is refused with an error matching mq.ErrInvalidOption
// instead of exhausting memory when the first topic is created.
const (
	MaxPartitions     = 1024
	MaxMaxBacklog     = 100_000_000
	MaxMaxMessageSize = 1 << 30
)

// Config is the shape of a Broker. The zero value of each field means its
// default.
type Config struct {
	Partitions     int      // partitions per topic (default 4)
	MaxBacklog     int      // messages retained per partition (default 100000)
	Full           FullMode // backpressure when a partition is full (default Block)
	MaxMessageSize int      // largest message, body+key+tag+id+headers (default 4 MiB)
	// CopyBodies copies each Body when it is stored and on each delivery, as
	// a real broker's wire does, for code that reuses its buffers or
	// modifies received bodies. Off by default: bodies are shared
	// (read-only) for speed.
	CopyBodies bool
	// Like makes the broker as strict as a real one: LikeKafka, LikeRabbitMQ
	// or LikeRocketMQ apply that backend's capabilities and limits (see
	// Like). Empty: memory's own, every feature.
	Like Like
}

// check refuses negative values, values over the maxima and an unknown Like.
func (c Config) check(op string) error {
	for _, x := range []struct {
		name   string
		v, max int
	}{{"partitions", c.Partitions, MaxPartitions}, {"maxbacklog", c.MaxBacklog, MaxMaxBacklog},
		{"maxsize", c.MaxMessageSize, MaxMaxMessageSize}} {
		if x.v < 0 || x.v > x.max {
			return driver.Errorf(driver.CodeInvalidOption, op, "%s=%d: want 1 to %d", x.name, x.v, x.max)
		}
	}
	if c.Full != Block && c.Full != Fail {
		return driver.Errorf(driver.CodeInvalidOption, op, "full mode %d: want Block or Fail", int(c.Full))
	}
	if _, ok := profiles[c.Like]; !ok {
		return driver.Errorf(driver.CodeInvalidOption, op, "like=%q: want one of %s", string(c.Like), likeNames())
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Partitions <= 0 {
		c.Partitions = DefaultPartitions
	}
	if c.MaxBacklog <= 0 {
		c.MaxBacklog = DefaultMaxBacklog
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = profiles[c.Like].MaxMessageSize
		if c.MaxMessageSize == 0 {
			c.MaxMessageSize = DefaultMaxMessageSize
		}
	}
	return c
}

// Broker is one in-memory broker: a set of topics shared by every client
// opened with its URL (memory://NAME, or memory:// for the default broker
// whose name is ""). Get it from a client with Client.As, by name with
// Lookup, or create it up front with NewBroker. Its methods are safe for
// concurrent use.
//
// A broker lives while something holds it: each open client, and the
// caller of NewBroker until Broker.Close. When the last holder lets go, the
// broker and everything in it are discarded (its timers are stopped) and
// the next Open of that name starts an empty broker.
type Broker struct {
	name string
	cfg  Config

	refs int  // under registryMu
	held bool // NewBroker's hold, under registryMu

	mu     sync.RWMutex
	topics map[string]*topic
	closed bool

	sched scheduler

	connsMu sync.Mutex
	conns   map[*conn]struct{}

	// fault injection
	failN   atomic.Int64
	failMu  sync.Mutex
	failErr error
	dupN    atomic.Int64
	down    atomic.Bool // SetUnavailable

	seq atomic.Uint64 // ids for delayed messages and broadcast groups
}

var (
	registryMu sync.Mutex
	brokers    = map[string]*Broker{}
)

// NewBroker creates the broker called name with cfg and holds it until
// Close, so that its topics, groups and retained messages survive clients
// coming and going. Clients then reach it with mq.Open("memory://"+name)
// (the default broker has name ""). It fails with an error matching
// mq.ErrInvalidOption when a broker of that name exists already.
func NewBroker(name string, cfg Config) (*Broker, error) {
	b, err := newHeld(name, cfg)
	if err != nil {
		return nil, driver.Stamp(Scheme, "new broker", err)
	}
	return b, nil
}

func newHeld(name string, cfg Config) (*Broker, error) {
	if err := cfg.check("new broker"); err != nil {
		return nil, err
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := brokers[name]; ok {
		return nil, driver.Errorf(driver.CodeInvalidOption, "new broker", "broker %q already exists", name)
	}
	b := newBroker(name, cfg)
	b.refs = 1
	b.held = true
	brokers[name] = b
	return b, nil
}

// Lookup returns the live broker called name ("" for the default one), or
// nil when no client or NewBroker holds it. It does not keep it alive.
func Lookup(name string) *Broker {
	registryMu.Lock()
	defer registryMu.Unlock()
	return brokers[name]
}

func newBroker(name string, cfg Config) *Broker {
	return &Broker{name: name, cfg: cfg.withDefaults(), topics: map[string]*topic{}, conns: map[*conn]struct{}{}}
}

// acquire returns the broker called name, creating it with cfg when absent.
// explicit lists the Config fields the URL set; they must agree with an
// existing broker.
func acquire(name string, cfg Config, explicit map[string]bool) (*Broker, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	b := brokers[name]
	if b == nil {
		b = newBroker(name, cfg)
		brokers[name] = b
	} else if err := b.agrees(cfg.withDefaults(), explicit); err != nil {
		return nil, err
	}
	b.refs++
	return b, nil
}

func (b *Broker) agrees(cfg Config, explicit map[string]bool) error {
	have := b.cfg
	var bad []string
	if explicit["partitions"] && cfg.Partitions != have.Partitions {
		bad = append(bad, fmt.Sprintf("partitions=%d", have.Partitions))
	}
	if explicit["maxbacklog"] && cfg.MaxBacklog != have.MaxBacklog {
		bad = append(bad, fmt.Sprintf("maxbacklog=%d", have.MaxBacklog))
	}
	if explicit["full"] && cfg.Full != have.Full {
		bad = append(bad, "full="+have.Full.String())
	}
	if explicit["maxsize"] && cfg.MaxMessageSize != have.MaxMessageSize {
		bad = append(bad, fmt.Sprintf("maxsize=%d", have.MaxMessageSize))
	}
	if explicit["copybodies"] && cfg.CopyBodies != have.CopyBodies {
		bad = append(bad, fmt.Sprintf("copybodies=%v", have.CopyBodies))
	}
	if explicit["like"] && cfg.Like != have.Like {
		bad = append(bad, fmt.Sprintf("like=%q", string(have.Like)))
	}
	if len(bad) > 0 {
		return driver.Errorf(driver.CodeInvalidOption, "open", "broker %q already exists with %v", b.name, bad)
	}
	return nil
}

// release drops one reference; the last one discards the broker.
func (b *Broker) release() {
	registryMu.Lock()
	b.refs--
	last := b.refs == 0
	if last && brokers[b.name] == b {
		delete(brokers, b.name)
	}
	registryMu.Unlock()
	if last {
		b.shutdown()
	}
}

func (b *Broker) shutdown() {
	b.mu.Lock()
	b.closed = true
	topics := b.topics
	b.topics = map[string]*topic{}
	b.mu.Unlock()
	b.sched.stop()
	for _, t := range topics {
		t.shutdown()
	}
}

// Close releases the hold NewBroker took. The broker is discarded once no
// client uses it either. A second Close returns an error matching
// mq.ErrClosed.
func (b *Broker) Close() error {
	registryMu.Lock()
	if !b.held {
		registryMu.Unlock()
		return driver.Stamp(Scheme, "close", driver.Errorf(driver.CodeClosed, "close", "broker %q: not held (Close called twice, or not from NewBroker)", b.name))
	}
	b.held = false
	registryMu.Unlock()
	b.release()
	return nil
}

// Name returns the broker's name ("" for the default broker).
func (b *Broker) Name() string { return b.name }

// Config returns the broker's configuration with defaults filled in.
func (b *Broker) Config() Config { return b.cfg }

// topic returns the topic called name, creating it. It returns nil once the
// broker was discarded.
func (b *Broker) topic(name string) *topic {
	b.mu.RLock()
	t := b.topics[name]
	closed := b.closed
	b.mu.RUnlock()
	if t != nil || closed {
		return t
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	if t = b.topics[name]; t == nil {
		t = newTopic(b, name)
		b.topics[name] = t
	}
	return t
}

// existing returns the topic called name or nil, without creating it.
func (b *Broker) existing(name string) *topic {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.topics[name]
}

func (b *Broker) topicList() []*topic {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ts := make([]*topic, 0, len(b.topics))
	for _, t := range b.topics {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
	return ts
}
