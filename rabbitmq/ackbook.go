package rabbitmq

import (
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ackBook settles one consumer channel's deliveries. The broker tags them
// 1, 2, 3… on the channel; a basic.ack with multiple set acknowledges every
// outstanding delivery up to its tag in one frame. The book sends one such
// frame for a batch of acks whenever everything below the batch is
// settled, and single acks only for deliveries above a gap (a delivery
// still being handled). Every settlement of the channel goes through the
// book, under its lock while the frame is written, because a multiple ack
// covering a tag that is then acknowledged alone makes the broker close the
// channel (unknown delivery tag), and one that ends on a tag already
// settled does too.
type ackBook struct {
	ch acker

	mu sync.Mutex
	// base: every tag up to base is settled on the broker.
	base uint64
	// above: tags over base settled alone (false) or acknowledged here but
	// not yet sent (true: waiting for a multiple ack).
	above map[uint64]bool
}

// acker is the channel's basic.ack (*amqp.Channel; a fake in tests).
type acker interface {
	Ack(tag uint64, multiple bool) error
}

var _ acker = (*amqp.Channel)(nil)

func newAckBook(ch acker) *ackBook { return &ackBook{ch: ch, above: map[uint64]bool{}} }

// ack acknowledges tags (ascending or not). It returns the first error of
// the frames it sent.
func (b *ackBook) ack(tags []uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range tags {
		if t > b.base {
			b.above[t] = true
		}
	}
	// Advance over everything settled, remembering the last tag still to
	// send: a multiple ack must end on an outstanding delivery.
	var last uint64
	for {
		pending, ok := b.above[b.base+1]
		if !ok {
			break
		}
		b.base++
		delete(b.above, b.base)
		if pending {
			last = b.base
		}
	}
	var first error
	if last > 0 {
		first = b.ch.Ack(last, true)
	}
	// What waits above a gap goes alone, now: the broker counts it
	// against the prefetch until it is acknowledged.
	for t, pending := range b.above {
		if !pending {
			continue
		}
		if err := b.ch.Ack(t, false); err != nil && first == nil {
			first = err
		}
		b.above[t] = false
	}
	return first
}

// settle runs one single settlement of tag (an ack, or a nack with
// requeue) and records it.
func (b *ackBook) settle(tag uint64, send func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := send()
	if tag <= b.base {
		return err
	}
	b.above[tag] = false
	// Nothing above base waits to be sent between two calls of ack, so
	// everything contiguous from base is settled.
	for {
		if _, ok := b.above[b.base+1]; !ok {
			return err
		}
		b.base++
		delete(b.above, b.base)
	}
}
