package rabbitmq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

func init() {
	mq.Register("amqp", open)
	mq.Register("amqps", open)
}

// MaxMessageSize is the message size limit declared to mq: RabbitMQ 3.10
// accepts 128 MiB by default, newer brokers 16 MiB; 16 MiB works on both.
// Raise it with mq.MaxMessageSize when the broker allows more.
const MaxMessageSize = 16 << 20

// conn is the driver.Conn of RabbitMQ: two AMQP connections (one for
// publishing, one for consuming, so that flow control on publishers never
// stalls consumers' acks), each re-established when lost.
type conn struct {
	cfg *config
	log *slog.Logger

	pub, sub *link
	confirms *pool // confirm-mode channels: sync, batch, async
	oneway   *pool // plain channels: one-way
	adm      *admin
	goMu     sync.Mutex
	goDone   bool           // Close is waiting: spawn no more
	wg       sync.WaitGroup // confirm loops, callback runners, subscription runs

	defMode    Mode
	topicModes map[string]Mode
	qtype      QueueType // Open's WithQueueType, else the URL's queue_type=
	openOpts   map[*option]bool

	idPrefix string
	idSeq    atomic.Uint64

	closed atomic.Bool
	async  kit.InFlight // SendAsync callbacks not yet called

	subsMu sync.Mutex
	subs   map[*subscription]struct{}

	probes sync.Map // exchange+"\x00"+tag -> time.Time of the last positive routing probe
}

func open(ctx context.Context, u *url.URL, ocfg *driver.OpenConfig) (driver.Conn, error) {
	cfg, err := parseURL(ctx, u)
	if err != nil {
		return nil, err
	}
	c := &conn{cfg: cfg, log: ocfg.Logger, defMode: cfg.mode, qtype: cfg.queueType, topicModes: map[string]Mode{},
		openOpts: map[*option]bool{}, subs: map[*subscription]struct{}{}}
	if c.log == nil {
		c.log = slog.Default()
	}
	for _, o := range ours(ocfg.Options) {
		c.openOpts[o] = true
		switch {
		case o.mode != nil && o.topic != "":
			c.topicModes[o.topic] = *o.mode
		case o.mode != nil:
			c.defMode = *o.mode
		case o.qtype != nil:
			if _, ok := parseQueueType(o.qtype.String()); !ok {
				return nil, driver.Errorf(driver.CodeInvalidOption, "open", "WithQueueType(%s): want Classic or Quorum", *o.qtype)
			}
			c.qtype = *o.qtype
		case o.isTLS:
			if u.Scheme != "amqps" || o.tls == nil {
				return nil, driver.Errorf(driver.CodeInvalidOption, "open", "WithTLS needs a non-nil *tls.Config and an amqps:// URL")
			}
			cfg.tls = o.tls
		}
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	c.idPrefix = hex.EncodeToString(b[:]) + "-"
	if c.pub, err = newLink(ctx, cfg, c.log, "pub"); err != nil {
		return nil, err
	}
	if c.sub, err = newLink(ctx, cfg, c.log, "sub"); err != nil {
		c.pub.close(ctx)
		return nil, err
	}
	closing := c.closed.Load
	c.confirms = newPool(c.pub, cfg.channels, true, closing, c.spawn)
	c.oneway = newPool(c.pub, cfg.channels, false, closing, c.spawn)
	c.adm = &admin{link: c.pub}
	return c, nil
}

// Capabilities reports the feature set of the URL's default mode. Simple and
// worker modes lack broadcast and groups (one queue per topic), exchange
// modes lack start-from-oldest (a group queue holds what was published
// after it was created). The broker filters tags in direct mode (binding
// keys) and tags and patterns in topic mode; elsewhere mq filters
// client-side.
func (c *conn) Capabilities() driver.Capabilities {
	f := driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
		driver.CapDelay | driver.CapOrdered | driver.CapDeadLetter | driver.CapPull |
		driver.CapReconnect | driver.CapRedeliveryDelay
	if c.defMode.queueMode() {
		f |= driver.CapStartOldest
	} else {
		f |= driver.CapGroups | driver.CapBroadcast
	}
	switch c.defMode {
	case Topic:
		f |= driver.CapTagFilter | driver.CapPatternFilter
	case Direct:
		f |= driver.CapTagFilter
	}
	return driver.Capabilities{Backend: backendName, Features: f, MaxMessageSize: MaxMessageSize, MaxDelay: MaxDelay, Topics: driver.AMQPTopics}
}

// modeFor resolves the mode of topic for a call with opts: the call's
// WithMode, the call's TopicMode for topic, Open's TopicMode, Open's
// WithMode, the URL's mode=, topic.
func (c *conn) modeFor(topic string, opts []driver.Option) Mode {
	var call, callTopic *Mode
	for _, o := range ours(opts) {
		if c.openOpts[o] || o.mode == nil {
			continue
		}
		if o.topic == "" {
			call = o.mode
		} else if o.topic == topic {
			callTopic = o.mode
		}
	}
	switch {
	case call != nil:
		return *call
	case callTopic != nil:
		return *callTopic
	}
	if m, ok := c.topicModes[topic]; ok {
		return m
	}
	return c.defMode
}

// queueTypeFor resolves the queue type of a subscription with opts: its
// WithQueueType, else Open's, else the URL's queue_type=.
func (c *conn) queueTypeFor(opts []driver.Option) (QueueType, bool) {
	t, existing := c.qtype, false
	for _, o := range ours(opts) {
		if c.openOpts[o] {
			continue
		}
		if o.qtype != nil {
			t = *o.qtype
		}
		existing = existing || o.existing
	}
	return t, existing
}

func (c *conn) newID() string {
	return c.idPrefix + strconv.FormatUint(c.idSeq.Add(1), 36)
}

func (c *conn) checkOpen(op string) error {
	if c.closed.Load() {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "client closed"}
	}
	return nil
}

// Close waits for outstanding async sends (bounded by ctx), closes the
// subscriptions still open and both connections. Sends still unconfirmed
// then fail with CodeClosed.
func (c *conn) Close(ctx context.Context) error {
	if c.closed.Swap(true) {
		return &driver.Error{Code: driver.CodeClosed, Op: "close", Msg: "client already closed"}
	}
	var first error
	select {
	case <-c.async.Idle():
	case <-ctx.Done():
		first = &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "close", Msg: "async sends still unconfirmed", Err: ctx.Err()}
	}
	c.subsMu.Lock()
	subs := make([]*subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.subsMu.Unlock()
	for _, s := range subs {
		if err := s.Close(ctx); err != nil && first == nil && driver.CodeOf(err) != driver.CodeClosed {
			first = err
		}
	}
	c.confirms.closeIdle()
	c.oneway.closeIdle()
	c.pub.close(ctx)
	c.sub.close(ctx)
	c.goMu.Lock()
	c.goDone = true
	c.goMu.Unlock()
	c.wg.Wait()
	return first
}

// spawn starts fns as goroutines that Close waits for; it reports false,
// starting none, once Close is waiting.
func (c *conn) spawn(fns ...func()) bool {
	c.goMu.Lock()
	defer c.goMu.Unlock()
	if c.goDone {
		return false
	}
	for _, fn := range fns {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			fn()
		}()
	}
	return true
}

// As gives the publishing connection for **amqp091.Connection (nil while
// reconnecting, then As reports false).
func (c *conn) As(target any) bool {
	switch t := target.(type) {
	case **amqp.Connection:
		conn := c.pub.connection()
		if conn == nil {
			return false
		}
		*t = conn
		return true
	case **conn:
		*t = c
		return true
	}
	return false
}
