package mq

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// maxAckBatch bounds how many finished messages one driver Ack call settles.
const maxAckBatch = 256

// finished is a message whose handler is done, on its way to the acker.
type finished struct {
	dm    *driver.Message
	kind  EventKind // EventAcked or EventSkipped, for hooks
	start time.Time // when processing began, for hooks (zero without hooks)
}

// acker settles finished messages in batches: it takes what is waiting, up
// to about maxAckBatch, and acks it in one driver call, so acks cost one call
// per batch under load and add no delay when idle. It ends when acks is
// closed (after flushing) or ackerQuit is closed.
func (s *Subscriber) acker() {
	defer close(s.ackerDone)
	done := make([]finished, 0, maxAckBatch)
	batch := make([]*driver.Message, 0, maxAckBatch)
	for {
		var fs []finished
		var ok bool
		select {
		case fs, ok = <-s.acks:
			if !ok {
				return
			}
		case <-s.ackerQuit:
			return
		}
		done = append(done[:0], fs...)
		s.recycle(fs)
	more:
		for len(done) < maxAckBatch {
			select {
			case fs, ok = <-s.acks:
				if !ok {
					break more
				}
				done = append(done, fs...)
				s.recycle(fs)
			default:
				break more
			}
		}
		batch = batch[:0]
		for _, f := range done {
			batch = append(batch, f.dm)
		}
		s.flush(batch, done)
		if !ok {
			return
		}
	}
}

func (s *Subscriber) flush(batch []*driver.Message, done []finished) {
	ctx := context.Background()
	if err := s.sub.Ack(ctx, batch); err != nil {
		if len(batch) == 1 {
			s.report("ack", batch[0], err)
			return
		}
		// One bad message (say, of a revoked partition) must not leave the
		// others unsettled: settle them one by one.
		for i, dm := range batch {
			if err := s.sub.Ack(ctx, batch[i:i+1]); err != nil {
				s.report("ack", dm, err)
				continue
			}
			s.st.settled(ctx, done[i].kind, dm, nil, done[i].start)
		}
		return
	}
	for _, f := range done {
		s.st.settled(ctx, f.kind, f.dm, nil, f.start)
	}
}

// ackBuffer returns an empty slice for a chunk's finished messages, reused
// from the acker when it has one.
func (s *Subscriber) ackBuffer() []finished {
	select {
	case fs := <-s.spareAcks:
		return fs
	default:
		return make([]finished, 0, s.maxChunk())
	}
}

// recycle gives fs, copied by the acker, back for another chunk.
func (s *Subscriber) recycle(fs []finished) {
	if cap(fs) < s.maxChunk() {
		return // an Ordered lane's, or grown by a steal: not worth keeping
	}
	clear(fs)
	select {
	case s.spareAcks <- fs[:0]:
	default:
	}
}

// ack hands finished messages to the acker (fs is theirs from then on);
// after Close gave up, they are left unsettled (the broker redelivers them).
func (s *Subscriber) ack(fs []finished) {
	if len(fs) == 0 {
		return
	}
	select {
	case s.acks <- fs:
	case <-s.ackerDone:
	}
}
