package rocketmq

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

// Transactions use the client's TransactionProducer, in its own producer
// group "<group>-tx" (the broker sends check-backs to any producer of the
// group, and only a transaction producer can answer them).
//
// The client sends one half message per SendMessageInTransaction and runs
// the listener's ExecuteLocalTransaction inside that call. SendTx with
// several messages nests the calls: the listener of message i sends message
// i+1, and the listener of the last message runs the local function; every
// level then ends its half message with the same outcome. The listener is
// per producer: it finds the run of a half message by the message's
// UNIQ_KEY (the client's message id, which toPrimitive sets and the broker
// keeps on the half message it checks back), in this process's memory, so
// no private property reaches other consumers.

var txSeq atomic.Int64

// txRef is half message i of a run in progress.
type txRef struct {
	run *txRun
	i   int
}

type txProducer struct {
	c *conn
	p rmq.TransactionProducer

	mu   sync.Mutex
	runs map[string]txRef  // UNIQ_KEY of a half message in progress -> its run
	done map[string]txDone // UNIQ_KEY -> outcome, finished recently, for check-backs
}

type txDone struct {
	state driver.TxState
	at    time.Time
}

type txRun struct {
	id    string
	ctx   context.Context
	msgs  []*primitive.Message
	local func(ctx context.Context) driver.TxState
	state driver.TxState
	ran   bool
	err   error
	res   []*primitive.TransactionSendResult
}

// txDoneTTL is how long the outcome of a finished transaction is remembered
// to answer check-backs (the broker checks after transactionTimeout, 6 s by
// default, and transactionCheckInterval).
const txDoneTTL = 10 * time.Minute

// txEndGrace is how long after a transaction of this conn ended with commit
// or rollback a check-back for it is answered "unknown": a check that
// crossed the client's one-way END_TRANSACTION on the wire would otherwise
// commit the message a second time. If the END was lost, the broker asks
// again (every transactionCheckInterval, up to transactionCheckMax times)
// and gets the outcome then.
const txEndGrace = 10 * time.Second

func (c *conn) txProducer() (*txProducer, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	if c.tx != nil {
		return c.tx, nil
	}
	t := &txProducer{c: c, runs: map[string]txRef{}, done: map[string]txDone{}}
	p, err := rmq.NewTransactionProducer(t, c.producerOptions(c.cfg.group+"-tx", "tx")...)
	if err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, "publish tx", err)
	}
	if err := p.Start(); err != nil {
		return nil, driver.Wrap(driver.CodeUnavailable, "publish tx", err)
	}
	t.p = p
	c.tx = t
	return t, nil
}

func (t *txProducer) shutdown() { _ = t.p.Shutdown() }

// SendTx sends msgs as half messages, runs local once all are stored, and
// ends them all with its outcome.
func (c *conn) SendTx(ctx context.Context, topic string, msgs []*driver.Message, local func(ctx context.Context) driver.TxState, opts driver.SendOptions) (driver.TxState, error) {
	const op = "publish tx"
	if err := c.checkOpen(op); err != nil {
		return driver.TxRollback, err
	}
	p, err := c.plan(op, opts)
	if err != nil {
		return driver.TxRollback, err
	}
	if p.level > 0 {
		return driver.TxRollback, driver.Errorf(driver.CodeUnsupported, op, "RocketMQ transactional messages cannot be delayed")
	}
	for _, dm := range msgs {
		if err := checkMessage(op, dm); err != nil {
			return driver.TxRollback, err
		}
		if !dm.DeliverAt.IsZero() {
			return driver.TxRollback, driver.Errorf(driver.CodeUnsupported, op, "RocketMQ transactional messages cannot be delayed")
		}
	}
	if err := c.ensureTopic(ctx, op, topic, c.cfg.queues); err != nil {
		return driver.TxRollback, err
	}
	t, err := c.txProducer()
	if err != nil {
		return driver.TxRollback, err
	}
	run := &txRun{id: strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(txSeq.Add(1), 36),
		ctx: ctx, local: local, state: driver.TxRollback, res: make([]*primitive.TransactionSendResult, len(msgs))}
	keys := make([]string, len(msgs))
	t.mu.Lock()
	for i, dm := range msgs {
		pm := toPrimitive(topic, dm)
		run.msgs = append(run.msgs, pm)
		keys[i] = pm.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex)
		t.runs[keys[i]] = txRef{run: run, i: i}
	}
	t.mu.Unlock()
	_ = t.send(run, 0) // a failure is recorded in run.err
	t.mu.Lock()
	now := time.Now()
	for k, d := range t.done {
		if now.Sub(d.at) > txDoneTTL {
			delete(t.done, k)
		}
	}
	for _, k := range keys {
		delete(t.runs, k)
		t.done[k] = txDone{state: run.state, at: now}
	}
	t.mu.Unlock()
	if run.err != nil {
		// A half message could not be sent: the ones before it were
		// rolled back (local did not run, or its outcome was overridden).
		return driver.TxRollback, run.err
	}
	for i, r := range run.res {
		if r != nil && r.SendResult != nil {
			confirm(msgs[i], r.MsgID, r.SendResult, 0)
		}
	}
	return run.state, nil
}

// send sends half message i; its listener call sends i+1 or runs local.
func (t *txProducer) send(run *txRun, i int) error {
	res, err := t.p.SendMessageInTransaction(run.ctx, run.msgs[i])
	if err != nil {
		if run.err == nil {
			run.err = sendErr(run.ctx, "publish tx", err)
		}
		run.state = driver.TxRollback
		return err
	}
	run.res[i] = res
	if res.Status != primitive.SendOK {
		run.state = driver.TxRollback
		if run.err == nil {
			run.err = checkResult(run.ctx, "publish tx", res.SendResult, nil)
		}
	}
	return nil
}

// ExecuteLocalTransaction implements primitive.TransactionListener: it runs
// inside SendMessageInTransaction, once the half message is stored.
func (t *txProducer) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	t.mu.Lock()
	ref, ok := t.runs[m.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex)]
	t.mu.Unlock()
	if !ok {
		return primitive.UnknowState
	}
	run, i := ref.run, ref.i
	if i+1 < len(run.msgs) {
		if err := t.send(run, i+1); err != nil || run.err != nil {
			run.state = driver.TxRollback
			return primitive.RollbackMessageState
		}
		return toLocalState(run.state)
	}
	run.ran = true
	run.state = run.local(run.ctx)
	return toLocalState(run.state)
}

// CheckLocalTransaction implements primitive.TransactionListener: the
// broker asks about a half message whose outcome it does not know. Runs of
// this conn answer from memory; others go to OpenConfig.TxChecker.
func (t *txProducer) CheckLocalTransaction(me *primitive.MessageExt) primitive.LocalTransactionState {
	if key := me.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex); key != "" {
		t.mu.Lock()
		_, running := t.runs[key]
		d, finished := t.done[key]
		t.mu.Unlock()
		if running {
			return primitive.UnknowState
		}
		if finished && d.state != driver.TxUnknown {
			if time.Since(d.at) < txEndGrace {
				// Our END_TRANSACTION with this outcome is on its way
				// (the client sends it one-way): answering it again
				// here could make the broker commit twice.
				return primitive.UnknowState
			}
			return toLocalState(d.state)
		}
	}
	if t.c.checker == nil {
		return primitive.UnknowState
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return toLocalState(t.c.checker(ctx, fromExt(me, t.c.cfg.namespace)))
}

func toLocalState(s driver.TxState) primitive.LocalTransactionState {
	switch s {
	case driver.TxCommit:
		return primitive.CommitMessageState
	case driver.TxRollback:
		return primitive.RollbackMessageState
	}
	return primitive.UnknowState
}
