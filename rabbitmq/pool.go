package rabbitmq

import (
	"context"
	"errors"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// pubChan is one publishing channel. A publisher holds its pool slot while
// it writes and releases it before waiting for confirms, so concurrent
// publishers pipeline on few channels. In confirm mode a goroutine (loop)
// settles each publish when its basic.ack / basic.nack arrives; a
// basic.return (mandatory flag, routed nowhere) that precedes the ack turns
// the outcome into CodeUnroutable.
//
// When the broker closes the channel (a channel error: one message went to
// an exchange deleted behind our back, or to one the user may not write to),
// the messages of other publishers pending on it are published again, one at
// a time (see isolate.go): one message's error never fails the others.
type pubChan struct {
	ch       *amqp.Channel
	conn     *amqp.Connection
	frameMax int // negotiated frame_max; 0: unlimited
	confirm  bool
	closing  func() bool // the conn is closing: lost confirms are CodeClosed

	mu      sync.Mutex
	pending map[uint64]*pendingPub
	dead    bool
	// retiring: the broker nacked a message; settled closes once nothing is pending (retire.go)
	retiring, settledClosed bool
	settled                 chan struct{}
	calls                   *kit.Callbacks[asyncDone] // async callbacks, in confirm order
	recovered               chan struct{}             // closed when the confirm loop has settled everything (confirm mode)
}

// pendingPub is a publish waiting for its confirm.
type pendingPub struct {
	seq               uint64
	exchange, key, id string
	msg               *amqp.Publishing // kept to publish it again after a channel error
	mandatory         bool
	returned          *amqp.Return
	cb                func(error)
	async             bool // cb is user code: run it on the callback goroutine
}

// errStale is what publish returns when the channel died before the message
// was written: nothing was sent, the caller takes a new channel.
var errStale = driver.Errorf(driver.CodeUnavailable, "publish", "channel closed")

func openPubChan(conn *amqp.Connection, confirm bool, closing func() bool, spawn func(...func()) bool) (*pubChan, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, classify("publish", err)
	}
	pc := &pubChan{ch: ch, conn: conn, frameMax: conn.Config.FrameSize, confirm: confirm, closing: closing, pending: map[uint64]*pendingPub{}}
	if !confirm {
		return pc, nil
	}
	pc.recovered = make(chan struct{})
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, classify("publish", err)
	}
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 1024))
	// Unbuffered: amqp091 hands a return over before it dispatches the ack
	// that follows it, and loop records it before reading the next confirm.
	returns := ch.NotifyReturn(make(chan amqp.Return))
	pc.calls = kit.NewCallbacks(runAsyncDone)
	if !spawn(func() { pc.loop(confirms, returns, closed) }, pc.calls.Wait) {
		close(pc.recovered)
		_ = ch.Close()
		return nil, driver.Errorf(driver.CodeClosed, "publish", "client closed")
	}
	return pc, nil
}

func (pc *pubChan) loop(confirms chan amqp.Confirmation, returns chan amqp.Return, closed chan *amqp.Error) {
	defer close(pc.recovered)
	defer pc.calls.Close()
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
				pc.lost(reason)
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
	if !c.Ack && pc.confirm {
		pc.retireLocked()
	}
	pc.checkSettledLocked()
	pc.mu.Unlock()
	if p == nil {
		return
	}
	var err error
	switch {
	case !c.Ack:
		err = driver.Errorf(driver.CodeRejected, "publish", "the broker nacked the message (exchange %q, routing key %q)", p.exchange, p.key)
	case p.returned != nil:
		err = unroutable(p.exchange, p.key, p.returned)
	}
	pc.call(p, err)
}

// asyncDone is the outcome of an async publish, run on pc.calls.
type asyncDone struct {
	p   *pendingPub
	err error
}

func runAsyncDone(d asyncDone) { d.p.cb(d.err) }

// call reports the outcome of p: waiters inline, user callbacks on the
// callback goroutine, so that a callback that publishes and waits never
// blocks the confirms it waits for.
func (pc *pubChan) call(p *pendingPub, err error) {
	if p.async {
		pc.calls.Push(asyncDone{p, err})
		return
	}
	p.cb(err)
}

// lostErr is the outcome of a publish whose channel closed before its
// confirm, for a reason that is not the message's own.
func (pc *pubChan) lostErr(reason *amqp.Error) error {
	code := driver.CodeUnavailable
	if pc.closing() {
		code = driver.CodeClosed
	}
	why := "connection lost"
	if reason != nil {
		why = reason.Error()
	}
	return driver.Errorf(code, "publish", "channel closed before the broker confirmed the message; it may or may not be stored (%s)", why)
}

// publish writes one message. In confirm mode cb is called once with the
// outcome (from the loop goroutine); a returned error means cb will not be
// called. The caller holds pc exclusively (checked out of the pool).
func (pc *pubChan) publish(exchange, key string, mandatory bool, msg *amqp.Publishing, cb func(error), async bool) error {
	if !pc.confirm {
		if err := pc.fits(exchange, key, msg); err != nil {
			return err
		}
		if err := pc.ch.Publish(exchange, key, false, false, *msg); err != nil {
			if errors.Is(err, amqp.ErrClosed) {
				return errStale
			}
			return classify("publish", err)
		}
		return nil
	}
	if err := pc.fits(exchange, key, msg); err != nil {
		return err
	}
	seq := pc.ch.GetNextPublishSeqNo()
	pc.mu.Lock()
	if pc.dead {
		pc.mu.Unlock()
		return errStale
	}
	pc.pending[seq] = &pendingPub{seq: seq, exchange: exchange, key: key, id: msg.MessageId, msg: msg, mandatory: mandatory, cb: cb, async: async}
	pc.mu.Unlock()
	// Never publish holding pc.mu: amqp091 may block delivering a confirm
	// to loop, which needs pc.mu.
	if err := pc.ch.Publish(exchange, key, mandatory, false, *msg); err != nil {
		pc.mu.Lock()
		_, still := pc.pending[seq]
		delete(pc.pending, seq)
		pc.mu.Unlock()
		if !still {
			// The confirm loop took it over (lost, isolate.go) and reports it through cb.
			return nil
		}
		if errors.Is(err, amqp.ErrClosed) {
			return errStale // amqp091 wrote nothing on a closed channel
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

// pool hands out publishing channels on the link: size slots, each owning
// at most one channel, held by one publisher at a time while it writes.
// Messages with a Key always use the slot of their key, so that messages of
// one key are written, in order, on one channel (RabbitMQ orders a channel's
// messages, not messages across channels). Others take the first free slot.
type pool struct {
	link    *link
	confirm bool
	closing func() bool
	spawn   func(...func()) bool
	slots   []*slot
}

type slot struct {
	lock chan struct{} // held while writing
	pc   *pubChan      // nil until first use or after its channel died
}

func newPool(l *link, size int, confirm bool, closing func() bool, spawn func(...func()) bool) *pool {
	p := &pool{link: l, confirm: confirm, closing: closing, spawn: spawn, slots: make([]*slot, size)}
	for i := range p.slots {
		p.slots[i] = &slot{lock: make(chan struct{}, 1)}
	}
	return p
}

// get holds a slot for key ("" for any) and returns it with its open channel.
func (p *pool) get(ctx context.Context, key string) (*slot, *pubChan, error) {
	var s *slot
	if key == "" {
		for _, x := range p.slots {
			select {
			case x.lock <- struct{}{}:
				s = x
			default:
				continue
			}
			break
		}
	}
	if s == nil {
		x := p.slots[0]
		if key != "" {
			x = p.slots[kit.FNV1a(key)%uint32(len(p.slots))]
		}
		select {
		case x.lock <- struct{}{}:
			s = x
		case <-ctx.Done():
			return nil, nil, &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "publish", Err: ctx.Err()}
		}
	}
	if s.pc != nil && s.pc.usable() && s.pc.retired() {
		// The broker nacked a message on it: replace it once its confirms are in (retire.go).
		if err := s.pc.replace(ctx); err != nil {
			<-s.lock
			return nil, nil, err
		}
		s.pc = nil
	}
	if s.pc != nil && !s.pc.usable() {
		// Messages pending on the dead channel are published again first
		// (isolate.go): wait, holding the slot, so that a key keeps its order.
		if err := s.pc.waitRecovered(ctx); err != nil {
			<-s.lock
			return nil, nil, err
		}
		_ = s.pc.ch.Close()
		s.pc = nil
	}
	if s.pc == nil {
		conn, _, err := p.link.current(ctx)
		if err != nil {
			<-s.lock
			return nil, nil, err
		}
		pc, err := openPubChan(conn, p.confirm, p.closing, p.spawn)
		if err != nil {
			<-s.lock
			return nil, nil, err
		}
		s.pc = pc
	}
	return s, s.pc, nil
}

// put releases a slot taken by get.
func (p *pool) put(s *slot) { <-s.lock }

// closeIdle closes the channels of free slots (the connection close ends
// the rest).
func (p *pool) closeIdle() {
	for _, s := range p.slots {
		select {
		case s.lock <- struct{}{}:
			if s.pc != nil {
				_ = s.pc.ch.Close()
			}
			<-s.lock
		default:
		}
	}
}
