package kafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// txProducer is sarama's transactional producer (idempotent, one open
// request, acks=all) with a transactional id unique to the connection.
// Transactions run one at a time.
type txProducer struct {
	mu sync.Mutex
	p  *pipeline
}

func (t *txProducer) close(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p != nil {
		_ = t.p.close(ctx)
		t.p = nil
	}
}

func (c *conn) txPipeline() (*txProducer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, closedErr("publish tx")
	}
	if c.txp == nil {
		c.txp = &txProducer{}
	}
	return c.txp, nil
}

func (c *conn) newTxPipeline() (*pipeline, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	cfg := c.set.producerConfig()
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Transaction.ID = c.set.clientID + "-tx-" + hex.EncodeToString(b)
	cfg.Producer.Transaction.Timeout = time.Minute
	ap, err := sarama.NewAsyncProducer(c.set.addrs, cfg)
	if err != nil {
		return nil, driver.Errorf(driver.CodeUnavailable, "publish tx", "transactional producer: %w", err)
	}
	return newPipeline(ap), nil
}

// SendTx publishes msgs in one Kafka transaction: BeginTxn, produce and
// wait for every record, run local, then CommitTxn on TxCommit and AbortTxn
// otherwise. Kafka has no check-back, so TxUnknown aborts (the result is
// TxRollback). Consumers of this adapter read with read_committed and never
// see aborted records.
func (c *conn) SendTx(ctx context.Context, topic string, msgs []*driver.Message, local func(ctx context.Context) driver.TxState, opts driver.SendOptions) (driver.TxState, error) {
	const op = "publish tx"
	if err := c.ensureTopic(ctx, topic); err != nil {
		return driver.TxRollback, err
	}
	tp, err := c.txPipeline()
	if err != nil {
		return driver.TxRollback, err
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.p == nil {
		if c.isClosed() {
			return driver.TxRollback, closedErr(op)
		}
		if tp.p, err = c.newTxPipeline(); err != nil {
			return driver.TxRollback, err
		}
	}
	ap := tp.p.ap
	if err := ap.BeginTxn(); err != nil {
		tp.reset(ap)
		return driver.TxRollback, driver.Errorf(driver.CodeUnavailable, op, "begin: %w", err)
	}
	abort := func(cause error) (driver.TxState, error) {
		if err := ap.AbortTxn(); err != nil {
			tp.reset(ap)
			if cause == nil {
				cause = err
			}
		}
		if cause != nil {
			return driver.TxRollback, sendErr(op, cause)
		}
		return driver.TxRollback, nil
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
		if err := tp.p.send(ctx, op, pm); err != nil {
			wg.Done()
			wg.Wait()
			return abort(err)
		}
	}
	wg.Wait() // bounded by the producer's retries and the transaction timeout
	for _, r := range results {
		if r.err != nil {
			return abort(r.err)
		}
	}
	if local(ctx) != driver.TxCommit {
		return abort(nil)
	}
	if err := ap.CommitTxn(); err != nil {
		return abort(err)
	}
	for i, r := range results {
		msgs[i].Partition, msgs[i].Offset = r.part, r.off
		msgs[i].BrokerID = brokerID(topic, r.part, r.off)
	}
	return driver.TxCommit, nil
}

// reset drops a producer left in a fatal transaction state; the next
// transaction opens a new one. Called with t.mu held.
func (t *txProducer) reset(ap sarama.AsyncProducer) {
	if t.p != nil && t.p.ap == ap && ap.TxnStatus()&sarama.ProducerTxnFlagFatalError != 0 {
		done, cancel := context.WithCancel(context.Background())
		cancel() // a fatal producer: nothing to wait for
		_ = t.p.close(done)
		t.p = nil
	}
}
