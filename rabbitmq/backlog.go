package rabbitmq

import (
	"context"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Backlogger = (*conn)(nil)

// Backlog (mq.Client.Backlog) counts the ready messages of group's queue:
// <topic>.<group> in the exchange modes, the topic's queue in the simple
// and worker modes (groups make no difference there), plus those waiting in
// the retry queues of that queue which this client declared (a retry queue
// of another process is not known without the management API). Messages
// delivered and not yet acknowledged are not counted: RabbitMQ's
// queue.declare-ok tells ready messages only. Each queue is declared
// passively, on a channel of its own on the publishing connection (a
// passive declare of a missing queue closes its channel): nothing is
// created. A missing group queue counts 0; a topic with neither queue nor
// exchange is mq.ErrNotFound. A connection that is down fails at once with
// mq.ErrUnavailable; a broker that does not answer fails when ctx ends.
func (c *conn) Backlog(ctx context.Context, topic, group string, _ driver.StartPosition) (int64, error) {
	const op = "backlog"
	if err := c.checkOpen(op); err != nil {
		return 0, err
	}
	if err := driver.AMQPTopics.Check(op, "topic", topic); err != nil {
		return 0, err
	}
	conn := c.pub.connection()
	if conn == nil || conn.IsClosed() {
		return 0, driver.Errorf(driver.CodeUnavailable, op, "connection down, reconnecting")
	}
	mode := c.modeFor(topic, nil)
	queue := topic
	if !mode.queueMode() {
		queue = groupQueue(topic, group)
	}
	retries := c.retryQueuesOf(queue)
	type result struct {
		n   int64
		err error
	}
	res := make(chan result, 1)
	if !c.spawn(func() {
		n, err := backlogOn(conn, topic, queue, mode, retries)
		res <- result{n, err}
	}) {
		return 0, c.checkOpen(op)
	}
	select {
	case r := <-res:
		return r.n, r.err
	case <-ctx.Done():
		return 0, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op,
			Msg: "no answer from the broker", Err: ctx.Err()}
	}
}

// retryQueuesOf lists the retry queues of queue this client declared:
// unimq.retry.<queue>.<ms>, with the quorum suffix where they are quorum
// queues (the admin remembers them as "r:<name>").
func (c *conn) retryQueuesOf(queue string) []string {
	prefix := "r:" + strings.TrimSuffix(retryQueue(queue, 0), "0") // "r:unimq.retry.<queue>."
	var out []string
	c.adm.done.Range(func(k, _ any) bool {
		s, _ := k.(string)
		if rest, ok := strings.CutPrefix(s, prefix); ok && isBucket(rest) {
			out = append(out, s[2:])
		}
		return true
	})
	return out
}

// isBucket reports whether rest is what follows a queue's retry prefix in
// the name of one of its own retry queues ("<ms>", "<ms>.quorum"), not in
// that of a longer queue name's ("x.<ms>" of queue "<queue>.x").
func isBucket(rest string) bool {
	rest = strings.TrimSuffix(rest, Quorum.hopSuffix())
	if rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// backlogOn counts queue's and retries' ready messages on conn. A missing
// queue counts 0; when queue itself is missing, so must be the topic's
// exchange (exchange modes) for the answer to be 0 rather than not found.
func backlogOn(conn *amqp.Connection, topic, queue string, mode Mode, retries []string) (int64, error) {
	const op = "backlog"
	var ch *amqp.Channel
	defer func() {
		if ch != nil {
			_ = ch.Close()
		}
	}()
	// passive runs f on a live channel, opening one when the last was
	// closed by a failed passive declare; it reports whether the object
	// exists.
	passive := func(f func(ch *amqp.Channel) error) (bool, error) {
		if ch == nil || ch.IsClosed() {
			var err error
			if ch, err = conn.Channel(); err != nil {
				return false, classify(op, err)
			}
		}
		err := f(ch)
		if isCode(err, amqp.NotFound) {
			return false, nil
		}
		return err == nil, classify(op, err)
	}
	count := func(name string) (int64, bool, error) {
		var q amqp.Queue
		ok, err := passive(func(ch *amqp.Channel) (err error) {
			q, err = ch.QueueDeclarePassive(name, true, false, false, false, nil)
			return err
		})
		return int64(q.Messages), ok, err
	}
	n, ok, err := count(queue)
	if err != nil {
		return 0, err
	}
	if !ok {
		found := false
		if !mode.queueMode() {
			found, err = passive(func(ch *amqp.Channel) error {
				return ch.ExchangeDeclarePassive(topic, mode.exchangeKind(), true, false, false, false, nil)
			})
			if err != nil && driver.CodeOf(err) != driver.CodeInvalidOption {
				return 0, err
			}
			found = found || err != nil // exists with another kind
		}
		if !found {
			return 0, driver.Errorf(driver.CodeNotFound, op, "no queue or exchange %q", topic)
		}
	}
	for _, rq := range retries {
		m, _, err := count(rq)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}
