package kafka

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
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

	mu     sync.Mutex
	closed bool
	oneWay *pipeline
	txp    *txProducer
	subs   map[*subscription]struct{}
}

func open(ctx context.Context, u *url.URL, cfg *driver.OpenConfig) (driver.Conn, error) {
	set, err := parseURL(ctx, u, cfg.Options)
	if err != nil {
		return nil, err
	}
	c := &conn{log: cfg.Logger, set: set, subs: map[*subscription]struct{}{}, redacts: kit.Redact(u)}
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
			return nil, driver.Errorf(connectCode(r.err), "open", "%s: %w", c.redacts, r.err)
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
		return nil, driver.Errorf(driver.CodeUnavailable, "open", "admin client: %w", err)
	}
	ap, err := sarama.NewAsyncProducerFromClient(c.client)
	if err != nil {
		_ = c.client.Close()
		return nil, driver.Errorf(driver.CodeUnavailable, "open", "producer: %w", err)
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
	return driver.Capabilities{Backend: backend, Features: f, MaxMessageSize: maxMessageBytes, MinPrefetch: maxRunCap, Topics: driver.KafkaTopics}
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func closedErr(op string) error {
	return &driver.Error{Code: driver.CodeClosed, Op: op, Msg: "connection closed"}
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
	var b *syncBatch
	var recs []syncRecord
	var one *syncOne // a single record's batch, reused once it was confirmed
	if len(msgs) == 1 {
		one = syncOnes.Get().(*syncOne)
		b, recs = &one.b, one.recs[:]
	} else {
		b = &syncBatch{done: make(chan struct{}, len(msgs))}
		recs = make([]syncRecord, len(msgs)) // one allocation for the batch's records
	}
	part := partitionFrom(opts.Options)
	queued := 0
	now := time.Now()
	var qerr error
	for i, dm := range msgs {
		r := &recs[i]
		r.part, r.b = part, b
		fillRecord(&r.pm, &r.enc, topic, dm, now)
		r.pm.Metadata = r
		if qerr = p.send(ctx, op, &r.pm); qerr != nil {
			break
		}
		queued++
	}
	for n := 0; n < queued; n++ {
		select {
		case <-b.done:
		case <-ctx.Done():
			// Confirmations still come (done is buffered); recs is not read
			// nor reused.
			return driver.Wrap(driver.CodeOf(ctx.Err()), op, ctx.Err())
		}
	}
	err := qerr
	for i := range recs[:queued] {
		r := &recs[i]
		if r.err != nil {
			if err == nil {
				err = sendErr(op, r.err)
			}
			continue
		}
		if opts.Mode != driver.OneWay {
			msgs[i].Partition, msgs[i].Offset = r.pm.Partition, r.pm.Offset
			msgs[i].BrokerID = brokerID(topic, r.pm.Partition, r.pm.Offset)
		}
	}
	if one != nil && err == nil {
		// Confirmed: sarama is done with the record (after an error it may
		// still read it, so a failed one is left to the GC).
		one.recs[0] = syncRecord{}
		syncOnes.Put(one)
	}
	return err
}

// syncBatch collects the confirmations of one Send.
type syncBatch struct{ done chan struct{} }

// syncOne is the batch of a single-record Send, reused (syncOnes).
type syncOne struct {
	b    syncBatch
	recs [1]syncRecord
}

var syncOnes = sync.Pool{New: func() any { return &syncOne{b: syncBatch{done: make(chan struct{}, 1)}} }}

// syncRecord is one record of a Send: the sarama message, its encoders and
// its outcome in one allocation.
type syncRecord struct {
	pm   sarama.ProducerMessage
	enc  encoders
	part int32
	err  error
	b    *syncBatch
}

func (r *syncRecord) explicitPartition() int32 { return r.part }
func (r *syncRecord) confirm(_ *sarama.ProducerMessage, err error) {
	r.err = err
	r.b.done <- struct{}{}
}

// asyncRecord is one record of SendAsync, in one allocation, reused
// (asyncRecords) once its success has been handed on: sarama is done with
// a ProducerMessage it returned on Successes (not always with one it
// returned on Errors).
type asyncRecord struct {
	pm    sarama.ProducerMessage
	enc   encoders
	part  int32
	dm    *driver.Message
	topic string
	done  func(error)
	cbs   *kit.Callbacks[callback]
}

var asyncRecords = sync.Pool{New: func() any { return new(asyncRecord) }}

// release empties r for reuse.
func (r *asyncRecord) release() {
	*r = asyncRecord{}
	asyncRecords.Put(r)
}

func (r *asyncRecord) explicitPartition() int32 { return r.part }

// confirm hands the outcome to the pipeline's callback goroutine.
func (r *asyncRecord) confirm(m *sarama.ProducerMessage, err error) {
	r.cbs.Push(callback{r, m, err})
}

// finish runs on the callback goroutine: it sets the receipt on the
// driver message, frees r and calls done.
func (r *asyncRecord) finish(m *sarama.ProducerMessage, err error) {
	done := r.done
	if err != nil {
		// Not reused: sarama may still read a message it returned as an
		// error (its leader-update path backs off by msg.retries after
		// returning it).
		done(sendErr("publish async", err))
		return
	}
	r.dm.Partition, r.dm.Offset = m.Partition, m.Offset
	r.dm.BrokerID = brokerID(r.topic, m.Partition, m.Offset)
	r.release()
	done(nil)
}

// sendErr classifies a producer error.
func sendErr(op string, err error) error {
	var kerr sarama.KError
	var cerr sarama.ConfigurationError
	switch {
	case errors.Is(err, sarama.ErrMessageSizeTooLarge), errors.Is(err, sarama.ErrMessageTooLarge),
		// the producer's own check of Producer.MaxMessageBytes (the broker's
		// default limit), reached when mq.MaxMessageSize was raised above it
		errors.As(err, &cerr) && strings.Contains(string(cerr), "MaxMessageBytes"):
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
	r := asyncRecords.Get().(*asyncRecord)
	r.part, r.dm, r.topic, r.done, r.cbs = partitionFrom(opts.Options), m, topic, done, c.prod.cbs
	fillRecord(&r.pm, &r.enc, topic, m, time.Now())
	r.pm.Metadata = r
	if err := c.prod.send(ctx, op, &r.pm); err != nil {
		r.release()
		return err
	}
	return nil
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
			return nil, driver.Errorf(driver.CodeUnavailable, "publish one-way", "producer: %w", err)
		}
		c.oneWay = newPipeline(ap)
	}
	return c.oneWay, nil
}

// Close closes the subscriptions, waits (bounded by ctx) until every record
// accepted by Send/SendAsync was confirmed or failed for its own reason,
// closes the producers (every pending callback is called) and closes the
// client.
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
		_ = c.prod.close(ctx)
		c.mu.Lock()
		ow, tx := c.oneWay, c.txp
		c.mu.Unlock()
		if ow != nil {
			_ = ow.close(ctx)
		}
		if tx != nil {
			tx.close(ctx)
		}
		_ = c.client.Close()
	}()
	// The producers first wait (bounded by ctx) for every accepted record's
	// confirmation, so none is failed by the shutdown; then sarama flushes
	// what it still holds (with its bounded retries) and every pending
	// callback is called before we return: that part is not bounded by ctx.
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
