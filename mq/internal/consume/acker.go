package consume

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// finished is a message whose handler is done, on its way to the acker.
type finished struct {
	dm      *driver.Message
	kind    Outcome         // Acked or Skipped
	attempt int             // the attempt that finished
	start   time.Time       // when processing began (zero without Settled)
	ctx     context.Context // the handler's ctx, for Settled
}

// acker settles finished messages in batches: it takes what is waiting, up
// to about maxAckBatch, and acks it in one driver call, so acks cost one call
// per batch under load and add no delay when idle. It ends when acks is
// closed (after flushing) or ackerQuit is closed.
func (e *Engine[M]) acker() {
	defer close(e.ackerDone)
	done := make([]finished, 0, maxAckBatch)
	batch := make([]*driver.Message, 0, maxAckBatch)
	for {
		var fs []finished
		var ok bool
		select {
		case fs, ok = <-e.acks:
			if !ok {
				return
			}
		case <-e.ackerQuit:
			return
		}
		done = append(done[:0], fs...)
		e.recycle(fs)
	more:
		for len(done) < maxAckBatch {
			select {
			case fs, ok = <-e.acks:
				if !ok {
					break more
				}
				done = append(done, fs...)
				e.recycle(fs)
			default:
				break more
			}
		}
		batch = batch[:0]
		for _, f := range done {
			batch = append(batch, f.dm)
		}
		e.flush(batch, done)
		clear(done) // drop the handlers' contexts
		if !ok {
			return
		}
	}
}

func (e *Engine[M]) flush(batch []*driver.Message, done []finished) {
	ctx := context.Background()
	if err := e.sub.Ack(ctx, batch); err != nil {
		if len(batch) == 1 {
			e.report("ack", batch[0], err)
			return
		}
		// One bad message (say, of a revoked partition) must not leave the
		// others unsettled: settle them one by one.
		for i, dm := range batch {
			if err := e.sub.Ack(ctx, batch[i:i+1]); err != nil {
				e.report("ack", dm, err)
				continue
			}
			f := &done[i]
			e.st.Report(f.ctx, f.kind, dm, f.attempt, nil, f.start)
		}
		return
	}
	for i := range done {
		f := &done[i]
		e.st.Report(f.ctx, f.kind, f.dm, f.attempt, nil, f.start)
	}
}

// ackBuffer returns an empty slice for a chunk's finished messages, reused
// from the acker when it has one.
func (e *Engine[M]) ackBuffer() []finished {
	select {
	case fs := <-e.spareAcks:
		return fs
	default:
		return make([]finished, 0, e.maxChunk())
	}
}

// recycle gives fs, copied by the acker, back for another chunk.
func (e *Engine[M]) recycle(fs []finished) {
	if cap(fs) < e.maxChunk() {
		return // an Ordered lane's, or grown by a steal: not worth keeping
	}
	clear(fs)
	select {
	case e.spareAcks <- fs[:0]:
	default:
	}
}

// ack hands finished messages to the acker (fs is theirs from then on);
// after Close gave up, they are left unsettled (the broker redelivers them).
func (e *Engine[M]) ack(fs []finished) {
	if len(fs) == 0 {
		return
	}
	select {
	case e.acks <- fs:
	case <-e.ackerDone:
	}
}
