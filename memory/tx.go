package memory

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// pendingTx is a transaction whose local outcome was unknown: its half
// messages wait, invisible, for a check-back to commit or roll them back.
type pendingTx struct {
	topic  string
	msgs   []*driver.Message
	checks int
	task   *task
}

// SendTx emulates RocketMQ transactional messages: msgs are held as
// invisible half messages while local runs; commit appends them in order
// (atomically, like a batch), rollback discards them, and unknown leaves
// them to check-backs through OpenConfig.TxChecker every txcheck, at most
// txchecks times, after which they are rolled back. A panic in local is
// recovered, logged and treated as unknown (as if the process had crashed
// before deciding). Half messages of a client that closes undecided are
// discarded.
func (c *conn) SendTx(ctx context.Context, topic string, msgs []*driver.Message, local func(ctx context.Context) driver.TxState, opts driver.SendOptions) (driver.TxState, error) {
	const op = "publish tx"
	if len(msgs) == 0 {
		return driver.TxRollback, driver.Errorf(driver.CodeInvalidArgument, op, "no messages")
	}
	if local == nil {
		return driver.TxRollback, driver.Errorf(driver.CodeInvalidArgument, op, "nil local transaction")
	}
	if !c.b.has(driver.CapTransactions) {
		return driver.TxRollback, c.b.unsupported(op, driver.CapTransactions)
	}
	t, err := c.check(ctx, op, topic, msgs)
	if err != nil {
		return driver.TxRollback, err
	}
	if err := c.b.injected(op); err != nil {
		return driver.TxRollback, err
	}
	// Half messages are copies: they are invisible until commit and the
	// caller's messages only learn their receipt on an inline commit.
	half := make([]*driver.Message, len(msgs))
	for i, m := range msgs {
		cp := *m
		cp.Topic = topic
		if len(cp.Headers) > 0 {
			cp.Headers = cloneHeaders(cp.Headers)
		}
		if c.b.cfg.CopyBodies && cp.Body != nil {
			cp.Body = append([]byte(nil), cp.Body...)
		}
		half[i] = &cp
	}
	state := c.runLocal(ctx, local)
	if state == driver.TxUnknown && !c.b.has(driver.CapTxCheckBack) {
		state = driver.TxRollback // no check-back (like=kafka): unknown aborts, as on Kafka
	}
	switch state {
	case driver.TxCommit:
		if err := c.store(ctx, t, msgs); err != nil {
			return driver.TxCommit, err
		}
		return driver.TxCommit, nil
	case driver.TxRollback:
		return driver.TxRollback, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return driver.TxRollback, c.closedErr(op)
	}
	tx := &pendingTx{topic: topic, msgs: half}
	c.txs[tx] = struct{}{}
	c.scheduleCheck(tx)
	return driver.TxUnknown, nil
}

// scheduleCheck arms the next check-back of tx. Caller holds c.mu. The
// check-back runs on a goroutine of the connection (waited for by Close),
// so a slow checker or a commit blocked on a full partition never holds up
// the broker's other timers.
func (c *conn) scheduleCheck(tx *pendingTx) {
	tx.task = c.b.sched.add(time.Now().Add(c.txCheck), func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.txs[tx]; !ok || c.closed {
			return
		}
		c.checks.Add(1)
		go func() {
			defer c.checks.Done()
			c.checkBack(tx)
		}()
	})
}

func (c *conn) runLocal(ctx context.Context, local func(ctx context.Context) driver.TxState) (state driver.TxState) {
	defer func() {
		if r := recover(); r != nil {
			c.log.LogAttrs(ctx, slog.LevelError, "unimq memory: local transaction panicked; outcome left to check-back",
				slog.String("panic", fmt.Sprint(r)))
			state = driver.TxUnknown
		}
	}()
	return local(ctx)
}

func (c *conn) askChecker(tx *pendingTx) (state driver.TxState) {
	if c.checker == nil {
		return driver.TxUnknown
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.LogAttrs(c.ctx, slog.LevelError, "unimq memory: transaction checker panicked; treated as unknown",
				slog.String("panic", fmt.Sprint(r)))
			state = driver.TxUnknown
		}
	}()
	cp := *tx.msgs[0] // the checker may keep or modify it
	return c.checker(c.ctx, &cp)
}

// checkBack asks the checker about tx and
// commits, rolls back, or re-arms.
func (c *conn) checkBack(tx *pendingTx) {
	tx.checks++
	state := c.askChecker(tx)
	if state == driver.TxUnknown && tx.checks >= c.txChecks {
		c.log.LogAttrs(c.ctx, slog.LevelWarn, "unimq memory: transaction still unknown after the last check-back; rolled back",
			slog.String("topic", tx.topic), slog.Int("checks", tx.checks))
		state = driver.TxRollback
	}
	c.mu.Lock()
	if _, ok := c.txs[tx]; !ok || c.closed {
		c.mu.Unlock()
		return
	}
	if state == driver.TxUnknown {
		c.scheduleCheck(tx)
		c.mu.Unlock()
		return
	}
	delete(c.txs, tx)
	c.mu.Unlock()
	if state == driver.TxCommit {
		t := c.b.topic(tx.topic)
		if t == nil {
			return // the broker was discarded
		}
		if err := c.store(c.ctx, t, tx.msgs); err != nil {
			c.log.LogAttrs(c.ctx, slog.LevelError, "unimq memory: committing transaction after check-back failed",
				slog.String("topic", tx.topic), slog.String("error", err.Error()))
		}
	}
}

// PendingTransactions returns how many transactions of the broker's clients
// wait for a check-back.
func (b *Broker) PendingTransactions() int {
	b.connsMu.Lock()
	defer b.connsMu.Unlock()
	n := 0
	for c := range b.conns {
		c.mu.Lock()
		n += len(c.txs)
		c.mu.Unlock()
	}
	return n
}
