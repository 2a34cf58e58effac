package rabbitmq

import (
	"context"
	"slices"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Channel isolation. Publishers share pooled channels and release them
// before their confirms arrive, so one channel carries the messages of many
// callers. When the broker closes that channel for one message (a channel
// error: an exchange deleted behind our back, a topic this user may not
// write, a message over the broker's max_message_size), the others pending
// on it did nothing wrong. The confirm loop then publishes each of them
// again, one at a time on a channel of its own, and waits for its confirm
// before the next: a message that closes that channel too is the culprit and
// gets the broker's reason as its error; the others get their own outcome.
//
// A message pending when the channel closed may have been stored already
// (the broker routes a channel's messages in order, so those published
// before the culprit usually were): publishing it again can deliver it
// twice, with the same ID. That is the at-least-once promise; failing it
// instead would turn a stored message into an error its caller retries
// anyway. The pool slot of the dead channel stays unusable until this
// settled (pool.get waits), so messages of one key keep their order.
//
// A lost connection is not a channel error: every pending message then
// fails with CodeUnavailable ("may or may not be stored"), as before.

// lost settles what was pending when the channel closed with reason.
func (pc *pubChan) lost(reason *amqp.Error) {
	pc.mu.Lock()
	pc.dead = true
	pending := make([]*pendingPub, 0, len(pc.pending))
	for _, p := range pc.pending {
		pending = append(pending, p)
	}
	pc.pending = map[uint64]*pendingPub{}
	pc.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	slices.SortFunc(pending, func(a, b *pendingPub) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	if pc.closing() || reason == nil || pc.conn.IsClosed() {
		err := pc.lostErr(reason)
		for _, p := range pending {
			pc.call(p, err)
		}
		return
	}
	var solo *soloChan
	defer func() {
		if solo != nil {
			solo.close()
		}
	}()
	for i, p := range pending {
		if pc.closing() || pc.conn.IsClosed() {
			err := pc.lostErr(nil)
			for _, q := range pending[i:] {
				pc.call(q, err)
			}
			return
		}
		if solo == nil {
			var err error
			if solo, err = openSolo(pc.conn); err != nil {
				err = pc.lostErr(nil)
				for _, q := range pending[i:] {
					pc.call(q, err)
				}
				return
			}
		}
		err, alive := solo.send(p)
		if !alive {
			solo.close()
			solo = nil
		}
		pc.call(p, err)
	}
}

// waitRecovered waits until the confirm loop of a dead channel has settled
// its pending messages (bounded by ctx).
func (pc *pubChan) waitRecovered(ctx context.Context) error {
	if pc.recovered == nil {
		return nil
	}
	select {
	case <-pc.recovered:
		return nil
	case <-ctx.Done():
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "publish",
			Msg: "waiting for the messages of a closed channel to be published again", Err: ctx.Err()}
	}
}

// soloChan is a confirm-mode channel that carries one message at a time.
type soloChan struct {
	ch       *amqp.Channel
	confirms chan amqp.Confirmation
	returns  chan amqp.Return
	closed   chan *amqp.Error
}

func openSolo(conn *amqp.Connection) (*soloChan, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, err
	}
	return &soloChan{
		ch:       ch,
		closed:   ch.NotifyClose(make(chan *amqp.Error, 1)),
		confirms: ch.NotifyPublish(make(chan amqp.Confirmation, 1)),
		// Buffered: amqp091 hands a return over before the ack that
		// follows it, so after the ack it is already here.
		returns: ch.NotifyReturn(make(chan amqp.Return, 1)),
	}, nil
}

func (s *soloChan) close() { _ = s.ch.Close() }

// send publishes p alone and waits for its confirm. alive reports whether
// the channel can carry the next message.
func (s *soloChan) send(p *pendingPub) (err error, alive bool) { //nolint:revive // outcome first
	if err := s.ch.Publish(p.exchange, p.key, p.mandatory, false, *p.msg); err != nil {
		return driver.Errorf(driver.CodeUnavailable, "publish", "channel closed before the broker confirmed the message; it may or may not be stored (%v)", err), false
	}
	var reason *amqp.Error
	select {
	case c, ok := <-s.confirms:
		if !ok {
			reason = <-s.closed // amqp091 sends the reason before it closes the confirms
			break
		}
		if !c.Ack {
			return driver.Errorf(driver.CodeRejected, "publish", "the broker nacked the message (exchange %q, routing key %q)", p.exchange, p.key), true
		}
		select {
		case r := <-s.returns:
			return unroutable(p.exchange, p.key, &r), true
		default:
		}
		return nil, true
	case reason = <-s.closed:
	}
	// Alone on its channel: the channel error is this message's own.
	return channelErr(reason), false
}

// channelErr is the error of a message that closed its channel.
func channelErr(reason *amqp.Error) error {
	if reason == nil {
		return driver.Errorf(driver.CodeUnavailable, "publish", "connection lost before the broker confirmed the message; it may or may not be stored")
	}
	code := driver.CodeUnavailable
	switch reason.Code {
	case amqp.NotFound:
		code = driver.CodeNotFound // e.g. the exchange was deleted behind our back
	case amqp.AccessRefused:
		code = driver.CodeInvalidOption // the user may not write there: retrying cannot help
	case amqp.PreconditionFailed:
		code = driver.CodeInvalidArgument
		if strings.Contains(reason.Reason, "message size") {
			code = driver.CodeTooLarge
		}
	}
	return driver.Errorf(code, "publish", "the broker refused the message and closed its channel: %s", reason.Reason)
}

// unroutable is the error of a message the broker returned.
func unroutable(exchange, key string, r *amqp.Return) error {
	return driver.Errorf(driver.CodeUnroutable, "publish", "no queue is bound for exchange %q routing key %q (%d %s); subscribe or Declare first so that the queue exists",
		exchange, key, r.ReplyCode, r.ReplyText)
}
