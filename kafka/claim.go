package kafka

import (
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// claimState is the bookkeeping of one partition while this subscription
// owns it (one group generation's claim, or a broadcast partition).
//
//   - tracker: offsets are committed only up to the highest contiguous
//     finished record (kit.OffsetTracker), so a commit never skips an
//     unfinished one;
//   - ending: the claim is being given up; records still queued for Receive
//     are dropped (the next owner reads them again from the committed offset);
//   - inflight: records handed out by Receive and not yet settled; a revoked
//     claim waits (bounded by drain_timeout) for them before letting go;
//   - revoked: settling a record afterwards marks nothing (we no longer own
//     the partition; the new owner redelivers it: at-least-once);
//   - recs: the delivered records in offset order (settled ones dropped now
//     and then), so that when the claim ends those not finished below a
//     finished one (not started, or nacked in place) can be handed over
//     through the retry topic instead of holding the commit back (handOver).
type claimState struct {
	topic     string
	partition int32
	sess      sarama.ConsumerGroupSession // nil for broadcast
	tracker   *kit.OffsetTracker          // delivered offsets and the committable one

	mu       sync.Mutex
	ending   bool
	revoked  bool
	inflight int // handed out by Receive, not settled
	settling int // Nack/DeadLetter writing a copy: revocation waits for them
	recs     []*delivery
	trimAt   int   // len(recs) at which settled records are dropped
	maxDone  int64 // highest finished offset, -1 before the first
}

// minTrim is the smallest recs length that is trimmed.
const minTrim = 1024

func newClaimState(topic string, partition int32, sess sarama.ConsumerGroupSession) *claimState {
	return &claimState{topic: topic, partition: partition, sess: sess, tracker: kit.NewOffsetTracker(),
		trimAt: minTrim, maxDone: -1}
}

// deliveredRun records the records of a run (readRun) under one lock.
func (cs *claimState) deliveredRun(ds []delivery) {
	cs.mu.Lock()
	for i := range ds {
		cs.tracker.Delivered(cs.partition, ds[i].id.offset)
		cs.recs = append(cs.recs, &ds[i])
	}
	if len(cs.recs) >= cs.trimAt {
		// Drop the settled records; the next trim comes when the rest has
		// doubled, so this costs O(1) per record.
		kept := cs.recs[:0]
		for _, d := range cs.recs {
			if !d.id.settled {
				kept = append(kept, d)
			}
		}
		clear(cs.recs[len(kept):])
		cs.recs = kept
		cs.trimAt = max(minTrim, 2*len(kept))
	}
	cs.mu.Unlock()
}

// firstUnfinished reports whether every record before offset has finished.
func (cs *claimState) firstUnfinished(offset int64) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.tracker.Committable(cs.partition) == offset
}

// ackID is a delivered record's handle (driver.Message.AckID).
type ackID struct {
	cs      *claimState
	offset  int64
	handed  bool // counted in inflight
	settled bool
}

// take appends to out the leading records of in that belong to cs, counted
// as handed out, until out holds n; records of an ending claim (or settled
// already) are dropped. It returns the records of in it did not look at.
func (cs *claimState) take(out, in []*driver.Message, n int) ([]*driver.Message, []*driver.Message) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	i := 0
	for ; i < len(in) && len(out) < n; i++ {
		id := in[i].AckID.(*ackID)
		if id.cs != cs {
			break
		}
		if cs.ending || id.settled {
			continue
		}
		if !id.handed {
			id.handed = true
			cs.inflight++
		}
		out = append(out, in[i])
	}
	return out, in[i:]
}

// release ends a hand-out without settling (local redelivery pending).
func (cs *claimState) release(id *ackID) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.unhand(id)
}

func (cs *claimState) unhand(id *ackID) {
	if id.handed {
		id.handed = false
		cs.inflight--
	}
}

// beginSettle announces a Nack/DeadLetter that writes a copy before it
// settles; false when the claim is revoked (leave the record for the next
// owner). endSettle must follow a true.
func (cs *claimState) beginSettle() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.revoked {
		return false
	}
	cs.settling++
	return true
}

func (cs *claimState) endSettle() {
	cs.mu.Lock()
	cs.settling--
	cs.mu.Unlock()
}

// settle finishes id; with commit it advances the committable offset and
// marks it on the session (which auto-commits it) while the claim is owned.
func (cs *claimState) settle(id *ackID, commit bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if off, moved := cs.finish(id, commit); moved && cs.sess != nil {
		cs.sess.MarkOffset(cs.topic, cs.partition, off, "")
	}
}

// settleRun settles, committing, the leading records of msgs that belong
// to cs, marking the offset once; it returns the records after them.
func (cs *claimState) settleRun(msgs []*driver.Message) []*driver.Message {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	mark, marked := int64(0), false
	i := 0
	for ; i < len(msgs); i++ {
		id := msgs[i].AckID.(*ackID)
		if id.cs != cs {
			break
		}
		if off, moved := cs.finish(id, true); moved {
			mark, marked = off, true
		}
	}
	if marked && cs.sess != nil {
		cs.sess.MarkOffset(cs.topic, cs.partition, mark, "")
	}
	return msgs[i:]
}

// finish settles id under cs.mu and reports the new committable offset if
// it moved.
func (cs *claimState) finish(id *ackID, commit bool) (int64, bool) {
	if id.settled {
		return 0, false
	}
	id.settled = true
	cs.unhand(id)
	if cs.revoked || !commit {
		return 0, false
	}
	cs.maxDone = max(cs.maxDone, id.offset)
	return cs.tracker.Done(cs.partition, id.offset)
}

// gaps returns the records not finished below the highest finished one:
// what holds the commit back behind records already acknowledged.
func (cs *claimState) gaps() []*delivery {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var out []*delivery
	for _, d := range cs.recs {
		if !d.id.settled && d.id.offset < cs.maxDone {
			out = append(out, d)
		}
	}
	return out
}

// bridged finishes a gap record whose copy is in the retry topic, so the
// commit can move past it; true if it was still open.
func (cs *claimState) bridged(d *delivery) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.revoked || d.id.settled {
		return false
	}
	d.id.settled = true
	cs.unhand(&d.id)
	if off, moved := cs.tracker.Done(cs.partition, d.id.offset); moved && cs.sess != nil {
		cs.sess.MarkOffset(cs.topic, cs.partition, off, "")
	}
	return true
}

// drain starts giving the claim up: queued records are dropped, records in
// flight get up to wait to finish (and be marked) unless abort is closed,
// copies being written by Nack/DeadLetter always get up to wait. revoke
// must follow.
func (cs *claimState) drain(wait time.Duration, abort <-chan struct{}) {
	cs.mu.Lock()
	cs.ending = true
	cs.mu.Unlock()
	deadline := time.Now().Add(wait)
	for {
		cs.mu.Lock()
		n, st := cs.inflight, cs.settling
		cs.mu.Unlock()
		aborted := false
		select {
		case <-abort:
			aborted = true
		default:
		}
		if st == 0 && (n == 0 || aborted) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// revoke ends the claim: later settlements are ignored.
func (cs *claimState) revoke() {
	cs.mu.Lock()
	cs.revoked = true
	cs.mu.Unlock()
}
