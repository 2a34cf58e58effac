package rabbitmq

import (
	"context"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// pubChan is one publishing channel. A publisher checks it out of the pool,
// writes, and puts it back before waiting for confirms, so concurrent
// publishers pipeline on few channels. In confirm mode a goroutine (loop)
// settles each publish when its basic.ack / basic.nack arrives; a
// basic.return (mandatory flag, routed nowhere) that precedes the ack turns
// the outcome into CodeUnroutable.
type pubChan struct {
	ch      *amqp.Channel
	confirm bool
	closing func() bool // the Conn is closing: lost confirms are CodeClosed

	mu      sync.Mutex
	pending map[uint64]*pendingPub
	dead    bool
	done    chan struct{} // loop ended (confirm mode)
	calls   *callQueue    // async callbacks, in confirm order
}

// pendingPub is a publish waiting for its confirm.
type pendingPub struct {
	exchange, key, id string
	returned          *amqp.Return
	cb                func(error)
	async             bool // cb is user code: run it on the callback goroutine
}

func openPubChan(conn *amqp.Connection, confirm bool, closing func() bool, spawn func(...func()) bool) (*pubChan, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, classify("publish", err)
	}
	pc := &pubChan{ch: ch, confirm: confirm, closing: closing, pending: map[uint64]*pendingPub{}}
	if !confirm {
		return pc, nil
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, classify("publish", err)
	}
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 1024))
	// Unbuffered: amqp091 hands a return over before it dispatches the ack
	// that follows it, and loop records it before reading the next confirm.
	returns := ch.NotifyReturn(make(chan amqp.Return))
	pc.done = make(chan struct{})
	pc.calls = newCallQueue()
	if !spawn(func() { pc.loop(confirms, returns, closed) }, pc.calls.run) {
		_ = ch.Close()
		return nil, errf(driver.CodeClosed, "publish", "client closed")
	}
	return pc, nil
}

func (pc *pubChan) loop(confirms chan amqp.Confirmation, returns chan amqp.Return, closed chan *amqp.Error) {
	defer close(pc.done)
	defer pc.calls.close()
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			pc.returned(&r)
		case c, ok := <-confirms:
			if !ok {
				var reason *amqp.Error
				select {
				case reason = <-closed:
				default:
				}
				pc.failAll(reason)
				return
			}
			pc.settle(c)
		}
	}
}

// returned marks the oldest pending publish that matches r.
func (pc *pubChan) returned(r *amqp.Return) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	var best uint64
	for seq, p := range pc.pending {
		if p.returned == nil && p.exchange == r.Exchange && p.key == r.RoutingKey && p.id == r.MessageId && (best == 0 || seq < best) {
			best = seq
		}
	}
	if best != 0 {
		pc.pending[best].returned = r
	}
}

func (pc *pubChan) settle(c amqp.Confirmation) {
	pc.mu.Lock()
	p := pc.pending[c.DeliveryTag]
	delete(pc.pending, c.DeliveryTag)
	pc.mu.Unlock()
	if p == nil {
		return
	}
	var err error
	switch {
	case !c.Ack:
		err = errf(driver.CodeRejected, "publish", "the broker nacked the message (exchange %q, routing key %q)", p.exchange, p.key)
	case p.returned != nil:
		err = errf(driver.CodeUnroutable, "publish", "no queue is bound for exchange %q routing key %q (%d %s); subscribe first so that the queue exists",
			p.exchange, p.key, p.returned.ReplyCode, p.returned.ReplyText)
	}
	pc.call(p, err)
}

// call reports the outcome of p: waiters inline, user callbacks on the
// callback goroutine, so that a callback that publishes and waits never
// blocks the confirms it waits for.
func (pc *pubChan) call(p *pendingPub, err error) {
	if p.async {
		pc.calls.push(func() { p.cb(err) })
		return
	}
	p.cb(err)
}

func (pc *pubChan) failAll(reason *amqp.Error) {
	pc.mu.Lock()
	pc.dead = true
	lost := pc.pending
	pc.pending = map[uint64]*pendingPub{}
	pc.mu.Unlock()
	if len(lost) == 0 {
		return
	}
	code := driver.CodeUnavailable
	if pc.closing() {
		code = driver.CodeClosed
	}
	why := "connection lost"
	if reason != nil {
		why = reason.Error()
	}
	err := errf(code, "publish", "channel closed before the broker confirmed the message; it may or may not be stored (%s)", why)
	for _, p := range lost {
		pc.call(p, err)
	}
}

// publish writes one message. In confirm mode cb is called once with the
// outcome (from the loop goroutine); a returned error means cb will not be
// called. The caller holds pc exclusively (checked out of the pool).
func (pc *pubChan) publish(exchange, key string, mandatory bool, msg *amqp.Publishing, cb func(error), async bool) error {
	if !pc.confirm {
		if err := pc.ch.Publish(exchange, key, false, false, *msg); err != nil {
			return classify("publish", err)
		}
		return nil
	}
	seq := pc.ch.GetNextPublishSeqNo()
	pc.mu.Lock()
	if pc.dead {
		pc.mu.Unlock()
		return errf(driver.CodeUnavailable, "publish", "channel closed")
	}
	pc.pending[seq] = &pendingPub{exchange: exchange, key: key, id: msg.MessageId, cb: cb, async: async}
	pc.mu.Unlock()
	// Never publish holding pc.mu: amqp091 may block delivering a confirm
	// to loop, which needs pc.mu.
	if err := pc.ch.Publish(exchange, key, mandatory, false, *msg); err != nil {
		pc.mu.Lock()
		_, still := pc.pending[seq]
		delete(pc.pending, seq)
		pc.mu.Unlock()
		if !still {
			// failAll already reported it through cb.
			return nil
		}
		return classify("publish", err)
	}
	return nil
}

func (pc *pubChan) usable() bool {
	if pc.ch.IsClosed() {
		return false
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return !pc.dead
}

// pool hands out publishing channels on the link, at most size at once.
type pool struct {
	link    *link
	confirm bool
	closing func() bool
	free    chan *pubChan
	slots   chan struct{}
	spawn   func(...func()) bool
}

func newPool(l *link, size int, confirm bool, closing func() bool, spawn func(...func()) bool) *pool {
	return &pool{link: l, confirm: confirm, closing: closing, free: make(chan *pubChan, size), slots: make(chan struct{}, size), spawn: spawn}
}

func (p *pool) get(ctx context.Context) (*pubChan, error) {
	for {
		select {
		case pc := <-p.free:
			if pc.usable() {
				return pc, nil
			}
			p.drop(pc)
			continue
		default:
		}
		select {
		case pc := <-p.free:
			if pc.usable() {
				return pc, nil
			}
			p.drop(pc)
		case p.slots <- struct{}{}:
			conn, _, err := p.link.current(ctx)
			if err != nil {
				<-p.slots
				return nil, err
			}
			pc, err := openPubChan(conn, p.confirm, p.closing, p.spawn)
			if err != nil {
				<-p.slots
				return nil, err
			}
			return pc, nil
		case <-ctx.Done():
			return nil, driver.Wrap(driver.CodeOf(ctx.Err()), "publish", ctx.Err())
		}
	}
}

// put returns pc to the pool, or drops it when its channel died.
func (p *pool) put(pc *pubChan) {
	if pc.usable() {
		p.free <- pc
		return
	}
	p.drop(pc)
}

func (p *pool) drop(pc *pubChan) {
	_ = pc.ch.Close()
	<-p.slots
}

// closeIdle closes the idle channels (the connection close ends the rest).
func (p *pool) closeIdle() {
	for {
		select {
		case pc := <-p.free:
			_ = pc.ch.Close()
		default:
			return
		}
	}
}

func (pc *pubChan) String() string { return fmt.Sprintf("pubChan(confirm=%v)", pc.confirm) }

// callQueue runs functions in order on one goroutine; push never blocks.
type callQueue struct {
	mu     sync.Mutex
	fns    []func()
	closed bool
	wake   chan struct{}
}

func newCallQueue() *callQueue { return &callQueue{wake: make(chan struct{}, 1)} }

func (q *callQueue) push(fn func()) {
	q.mu.Lock()
	q.fns = append(q.fns, fn)
	q.mu.Unlock()
	q.signal()
}

func (q *callQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *callQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run calls the queued functions until the queue is closed and empty.
func (q *callQueue) run() {
	for {
		q.mu.Lock()
		fns, closed := q.fns, q.closed
		q.fns = nil
		q.mu.Unlock()
		for _, fn := range fns {
			fn()
		}
		if len(fns) == 0 {
			if closed {
				return
			}
			<-q.wake
		}
	}
}
