package rocketmq

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

func init() {
	mq.Register("rocketmq", open)
}

var instanceSeq atomic.Int64

// conn is the driver connection: one producer (plus a transaction producer
// once transactions are used) and a push consumer per subscription.
type conn struct {
	cfg     *config
	log     *slog.Logger
	checker driver.TxChecker

	prod rmq.Producer

	topicsMu sync.Mutex
	topics   map[string]bool // created or known routable by this conn

	txMu   sync.Mutex
	tx     *txProducer
	closed atomic.Bool

	subsMu sync.Mutex
	subs   map[*subscription]struct{}

	pending sync.WaitGroup // async sends not yet called back
}

var (
	_ driver.Conn       = (*conn)(nil)
	_ driver.Transactor = (*conn)(nil)
)

func open(ctx context.Context, u *url.URL, oc *driver.OpenConfig) (driver.Conn, error) {
	cfg, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	for _, o := range oc.Options {
		switch o := o.(type) {
		case credentialsOpt:
			cfg.creds.AccessKey, cfg.creds.SecretKey = o.AccessKey, o.SecretKey
		case producerGroupOpt:
			if err := checkProducerGroup(string(o)); err != nil {
				return nil, err
			}
			cfg.group = string(o)
		}
	}
	routeClientLog(oc.Logger)
	// Reachability: the name server must answer (the template topic may
	// be unknown when autoCreateTopicEnable is off; that is fine).
	tmpl, err := remoting.QueryRoute(ctx, cfg.nameServers, remoting.DefaultTopicKey)
	if err != nil {
		if ctx.Err() != nil {
			return nil, driver.Wrap(driver.CodeCanceled, "open", ctx.Err())
		}
		return nil, &driver.Error{Code: driver.CodeUnavailable, Op: "open",
			Msg: "name server " + kit.Redact(u) + " unreachable", Err: err}
	}
	c := &conn{cfg: cfg, log: oc.Logger, checker: oc.TxChecker, topics: map[string]bool{}, subs: map[*subscription]struct{}{}}
	if err := c.checkCredentials(ctx, tmpl); err != nil {
		return nil, err
	}
	p, err := rmq.NewProducer(c.producerOptions(cfg.group, "p")...)
	if err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, "open", err)
	}
	if err := p.Start(); err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, "open", err)
	}
	c.prod = p
	if c.checker != nil {
		// Check-backs of transactions left unknown by an earlier run of
		// this service arrive as soon as the transaction producer is up.
		if _, err := c.txProducer(); err != nil {
			_ = p.Shutdown()
			return nil, err
		}
	}
	return c, nil
}

func (c *conn) producerOptions(group, kind string) []producer.Option {
	opts := []producer.Option{
		producer.WithNsResolver(primitive.NewPassthroughResolver(c.cfg.nameServers)),
		producer.WithGroupName(group),
		producer.WithInstanceName(c.cfg.instanceName(kind)),
		producer.WithRetry(c.cfg.retries),
		producer.WithSendMsgTimeout(c.cfg.sendTimeout),
		producer.WithQueueSelector(&queueSelector{fnv: c.cfg.selector == selectorFNV}),
		producer.WithDefaultTopicQueueNums(c.cfg.queues),
	}
	if c.cfg.namespace != "" {
		opts = append(opts, producer.WithNamespace(c.cfg.namespace))
	}
	if c.cfg.creds.AccessKey != "" {
		opts = append(opts, producer.WithCredentials(c.cfg.creds))
	}
	return opts
}

// Capabilities of RocketMQ through rocketmq-client-go v2.1.2. Tag
// expressions are filtered by the broker (CapTagFilter); "*"/"#" patterns
// only client-side by mq, so CapPatternFilter is not declared.
func (c *conn) Capabilities() driver.Capabilities {
	maxDelay := delayLevels[MaxDelayLevel-1]
	if c.cfg.timerDelay {
		maxDelay = timerMaxDelay
	}
	return driver.Capabilities{
		Backend: backend,
		Features: driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
			driver.CapDelay | driver.CapTransactions | driver.CapTxCheckBack | driver.CapOrdered |
			driver.CapGroups | driver.CapBroadcast | driver.CapTagFilter |
			driver.CapStartOldest | driver.CapStartTime | driver.CapDeadLetter | driver.CapPull |
			driver.CapPartitions | driver.CapReconnect | driver.CapRedeliveryDelay,
		MaxMessageSize: 4 << 20, // broker maxMessageSize default (4 MiB)
		Topics:         driver.RocketMQTopics,
		MaxDelay:       maxDelay,
	}
}

// As gives the client's producer: *rmq.Producer (github.com/apache/rocketmq-client-go/v2
// Producer interface) and, once transactions were used or a TxChecker was
// set, *rmq.TransactionProducer; and **conn to this package's admin
// functions.
func (c *conn) As(target any) bool {
	switch t := target.(type) {
	case **conn:
		*t = c
		return true
	case *rmq.Producer:
		*t = c.prod
		return true
	case *rmq.TransactionProducer:
		c.txMu.Lock()
		defer c.txMu.Unlock()
		if c.tx == nil {
			return false
		}
		*t = c.tx.p
		return true
	}
	return false
}

func (c *conn) checkOpen(op string) error {
	if c.closed.Load() {
		return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "connection closed"}
	}
	return nil
}

// Close closes the subscriptions still open, waits (bounded by ctx) for
// async sends to be called back, and shuts the producers down.
func (c *conn) Close(ctx context.Context) error {
	if c.closed.Swap(true) {
		return &driver.Error{Code: driver.CodeClosed, Op: "close", Msg: "connection already closed"}
	}
	c.subsMu.Lock()
	subs := make([]*subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.subsMu.Unlock()
	var errs []error
	for _, s := range subs {
		if err := s.Close(ctx); err != nil && driver.CodeOf(err) != driver.CodeClosed {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { c.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, driver.Wrap(driver.CodeTimeout, "close", ctx.Err()))
		// The client calls every async callback within its send timeout
		// (3s); wait for that so that no callback runs after Close.
		<-done
	}
	if err := c.prod.Shutdown(); err != nil {
		errs = append(errs, err)
	}
	c.txMu.Lock()
	if c.tx != nil {
		c.tx.shutdown()
	}
	c.txMu.Unlock()
	if len(errs) > 0 {
		return driver.Wrap(driver.CodeUnavailable, "close", errors.Join(errs...))
	}
	return nil
}

// wait sleeps d or until ctx is done, then returns ctx's error.
func wait(ctx context.Context, d time.Duration) error {
	if !kit.Sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}
