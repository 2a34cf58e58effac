package mq

import (
	"context"
	"errors"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// TxState is the outcome of a local transaction, as a TxChecker reports it.
type TxState = driver.TxState

// Transaction outcomes.
const (
	TxUnknown  = driver.TxUnknown
	TxCommit   = driver.TxCommit
	TxRollback = driver.TxRollback
)

// TxChecker answers the broker's check-back for a transaction whose local
// outcome was unknown: look the business record up by m.Key or a header and
// say whether it committed. Set it with WithTxChecker at Open.
type TxChecker func(ctx context.Context, m *Message) TxState

// PublishTx publishes msgs atomically with a local transaction (RocketMQ
// half messages, Kafka transactional producer, memory emulation):
//
//  1. msgs are sent as half messages, invisible to subscribers;
//  2. local runs (your database transaction);
//  3. local returning nil commits them; an error rolls them back; an error
//     matching ErrTxUnknown leaves the outcome open, and the broker later
//     asks the TxChecker (where CapTxCheckBack is declared).
//
// It returns nil on commit, an error matching ErrTxRolledBack (wrapping
// local's error) on rollback, and one matching ErrTxUnknown when the outcome
// is left to check-back. Backends without CapTransactions return
// ErrUnsupported before anything is sent.
func (c *Client) PublishTx(ctx context.Context, topic string, msgs []*Message, local func(ctx context.Context) error, opts ...Option) error {
	return c.wrap("publish tx", c.publishTx(ctx, topic, msgs, local, opts))
}

func (c *Client) publishTx(ctx context.Context, topic string, msgs []*Message, local func(ctx context.Context) error, opts []Option) error {
	so, err := c.prepare(ctx, "publish tx", topic, opts, driver.CapTransactions)
	if err != nil {
		return err
	}
	if local == nil {
		return invalid("publish tx", "nil local transaction")
	}
	if len(msgs) == 0 {
		return invalid("publish tx", "no messages")
	}
	tx, ok := c.conn.(driver.Transactor)
	if !ok {
		return driver.Errorf(driver.CodeUnsupported, "publish tx", "no transactions")
	}
	now := time.Now()
	for _, m := range msgs {
		if err := c.validate("publish tx", m, now); err != nil {
			return err
		}
	}
	if len(c.set.interceptors) > 0 {
		if ctx, err = c.intercept(ctx, "publish tx", topic, ModeTx, msgs, now); err != nil {
			return err
		}
	}
	dms := make([]*driver.Message, len(msgs))
	for i, m := range msgs {
		dms[i] = m.toDriver(now)
	}
	err = c.sendTx(ctx, tx, topic, msgs, dms, local, so)
	c.published(ctx, topic, msgs[0], len(msgs), err, now)
	return err
}

// sendTx runs the transaction of PublishTx once its messages are ready.
func (c *Client) sendTx(ctx context.Context, tx driver.Transactor, topic string, msgs []*Message, dms []*driver.Message, local func(ctx context.Context) error, so driver.SendOptions) error {
	var localErr error
	state, err := tx.SendTx(ctx, topic, dms, func(ctx context.Context) driver.TxState {
		localErr = local(ctx)
		switch {
		case localErr == nil:
			return driver.TxCommit
		case errors.Is(localErr, ErrTxUnknown):
			return driver.TxUnknown
		}
		return driver.TxRollback
	}, so)
	if err != nil {
		return driver.Wrap(driver.CodeUnavailable, "publish tx", err)
	}
	switch state {
	case driver.TxCommit:
		for i, m := range msgs {
			m.confirmed(dms[i])
		}
		return nil
	case driver.TxRollback:
		return &Error{Code: driver.CodeTxRolledBack, Op: "publish tx", Err: localErr}
	}
	return &Error{Code: driver.CodeTxUnknown, Op: "publish tx", Msg: "outcome left to the broker's check-back", Err: localErr}
}
