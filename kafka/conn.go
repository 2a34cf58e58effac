package kafka

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

func init() { mq.Register("kafka", open) }

// conn is a driver.Conn on one sarama client (metadata, admin, the
// confirmed producer) plus, on first use, a second client for the acks=0
// one-way producer and a third for transactions.
type conn struct {
	log     *slog.Logger
	set     *settings
	client  sarama.Client
	admin   sarama.ClusterAdmin // on client; never closed itself (that would close client)
	prod    *pipeline
	topics  sync.Map // topic -> struct{}: known to exist
	redacts string

	mu      sync.Mutex
	closed  bool
	oneWay  *pipeline
	txp     *txProducer
	subs    map[*subscription]struct{}
	closeWG sync.WaitGroup
}

func open(ctx context.Context, u *url.URL, cfg *driver.OpenConfig) (driver.Conn, error) {
	set, err := parseURL(u, cfg.Options)
	if err != nil {
		return nil, err
	}
	c := &conn{log: cfg.Logger, set: set, subs: map[*subscription]struct{}{}, redacts: driver.Redact(u)}
	type res struct {
		client sarama.Client
		err    error
	}
	ch := make(chan res, 1)
	go func() {
		cl, err := sarama.NewClient(set.addrs, set.producerConfig())
		ch <- res{cl, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, driver.Errorf(driver.CodeUnavailable, "open", "kafka %s: %w", c.redacts, r.err)
		}
		c.client = r.client
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.client != nil {
				_ = r.client.Close()
			}
		}()
		return nil, driver.Wrap(driver.CodeOf(ctx.Err()), "open", ctx.Err())
	}
	c.admin, err = sarama.NewClusterAdminFromClient(c.client)
	if err != nil {
		_ = c.client.Close()
		return nil, driver.Errorf(driver.CodeUnavailable, "open", "kafka admin: %w", err)
	}
	ap, err := sarama.NewAsyncProducerFromClient(c.client)
	if err != nil {
		_ = c.client.Close()
		return nil, driver.Errorf(driver.CodeUnavailable, "open", "kafka producer: %w", err)
	}
	c.prod = newPipeline(ap)
	return c, nil
}

// Capabilities: everything but delay (no delay topics: delayed messages get
// ErrUnsupported), transaction check-back (Kafka has none) and broker-side
// tag filtering (tags are a header; mq filters client-side and the adapter
// commits what it skips).
func (c *conn) Capabilities() driver.Capabilities {
	f := driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
		driver.CapOrdered | driver.CapGroups | driver.CapBroadcast | driver.CapStartOldest | driver.CapStartTime | driver.CapDeadLetter |
		driver.CapPull | driver.CapPartitions | driver.CapReconnect | driver.CapRedeliveryDelay
	if c.set.transactions {
		f |= driver.CapTransactions
	}
	return driver.Capabilities{Backend: backend, Features: f, MaxMessageSize: maxMessageBytes}
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func closedErr(op string) error {
	return &driver.Error{Code: driver.CodeClosed, Op: op, Backend: backend, Msg: "connection closed"}
}

// Send publishes msgs through the confirmed pipeline (or the acks=0 one for
// OneWay): all are queued first, then all confirmations awaited.
func (c *conn) Send(ctx context.Context, topic string, msgs []*driver.Message, opts driver.SendOptions) error {
	const op = "publish"
	if c.isClosed() {
		return closedErr(op)
	}
	if err := c.ensureTopic(ctx, topic); err != nil {
		return err
	}
	p := c.prod
	if opts.Mode == driver.OneWay {
		var err error
		if p, err = c.oneWayPipeline(); err != nil {
			return err
		}
	}
	part := partitionFrom(opts.Options)
	type result struct {
		part int32
		off  int64
		err  error
	}
	results := make([]result, len(msgs))
	var wg sync.WaitGroup
	now := time.Now()
	for i, dm := range msgs {
		pm := toRecord(topic, dm, now)
		i := i
		pm.Metadata = &pending{partition: part, done: func(m *sarama.ProducerMessage, err error) {
			results[i] = result{m.Partition, m.Offset, err}
			wg.Done()
		}}
		wg.Add(1)
		if err := p.send(ctx, op, pm); err != nil {
			wg.Done()
			// what was queued still completes; wait so results is not written later
			waitCtx(ctx, &wg)
			return err
		}
	}
	if !waitCtx(ctx, &wg) {
		return driver.Wrap(driver.CodeOf(ctx.Err()), op, ctx.Err())
	}
	for i, r := range results {
		if r.err != nil {
			return sendErr(op, r.err)
		}
		if opts.Mode != driver.OneWay {
			msgs[i].Partition, msgs[i].Offset = r.part, r.off
			msgs[i].BrokerID = brokerID(topic, r.part, r.off)
		}
	}
	return nil
}

// waitCtx waits for wg or ctx; it reports whether wg finished.
func waitCtx(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// sendErr classifies a producer error.
func sendErr(op string, err error) error {
	var kerr sarama.KError
	switch {
	case errors.Is(err, sarama.ErrMessageSizeTooLarge), errors.Is(err, sarama.ErrMessageTooLarge):
		return driver.Errorf(driver.CodeTooLarge, op, "%w", err)
	case errors.Is(err, sarama.ErrInvalidPartition), errors.Is(err, sarama.ErrInvalidTopic):
		return driver.Errorf(driver.CodeInvalidArgument, op, "%w", err)
	case errors.Is(err, sarama.ErrShuttingDown), errors.Is(err, sarama.ErrClosedClient):
		return driver.Errorf(driver.CodeClosed, op, "%w", err)
	case errors.As(err, &kerr):
		return driver.Errorf(driver.CodeRejected, op, "%w", err)
	}
	return driver.Errorf(driver.CodeUnavailable, op, "%w", err)
}

// SendAsync queues m on the confirmed pipeline; done gets the outcome.
func (c *conn) SendAsync(ctx context.Context, topic string, m *driver.Message, opts driver.SendOptions, done func(error)) error {
	const op = "publish async"
	if c.isClosed() {
		return closedErr(op)
	}
	if err := c.ensureTopic(ctx, topic); err != nil {
		return err
	}
	pm := toRecord(topic, m, time.Now())
	pm.Metadata = &pending{partition: partitionFrom(opts.Options), done: func(r *sarama.ProducerMessage, err error) {
		if err != nil {
			done(sendErr(op, err))
			return
		}
		m.Partition, m.Offset = r.Partition, r.Offset
		m.BrokerID = brokerID(topic, r.Partition, r.Offset)
		done(nil)
	}}
	return c.prod.send(ctx, op, pm)
}

func (c *conn) oneWayPipeline() (*pipeline, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, closedErr("publish one-way")
	}
	if c.oneWay == nil {
		ap, err := sarama.NewAsyncProducer(c.set.addrs, c.set.oneWayConfig())
		if err != nil {
			return nil, driver.Errorf(driver.CodeUnavailable, "publish one-way", "kafka producer: %w", err)
		}
		c.oneWay = newPipeline(ap)
	}
	return c.oneWay, nil
}

// Close closes the subscriptions, flushes the producers (every pending
// callback is called) and closes the client.
func (c *conn) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return closedErr("close")
	}
	c.closed = true
	subs := make([]*subscription, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()
	var first error
	for _, s := range subs {
		if err := s.Close(ctx); err != nil && first == nil && driver.CodeOf(err) != driver.CodeClosed {
			first = err
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.prod.close()
		c.mu.Lock()
		ow, tx := c.oneWay, c.txp
		c.mu.Unlock()
		if ow != nil {
			_ = ow.close()
		}
		if tx != nil {
			tx.close()
		}
		_ = c.client.Close()
	}()
	// Not bounded by ctx: sarama flushes what it holds (with its bounded
	// retries) and every pending callback must be called before we return.
	<-done
	return first
}

func (c *conn) untrack(s *subscription) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}

// As gives access to *sarama.Client, *sarama.ClusterAdmin,
// *sarama.AsyncProducer (the confirmed pipeline: do not read its Successes
// or Errors channels, the adapter does) and *sarama.Config (a copy).
func (c *conn) As(target any) bool {
	switch t := target.(type) {
	case *sarama.Client:
		*t = c.client
	case *sarama.ClusterAdmin:
		*t = c.admin
	case *sarama.AsyncProducer:
		*t = c.prod.ap
	case *sarama.Config:
		*t = *c.set.producerConfig()
	default:
		return false
	}
	return true
}
