package kafka

import (
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// claimState is the bookkeeping of one partition while this subscription
// owns it (one group generation's claim, or a broadcast partition).
//
//   - tracker: offsets are committed only up to the highest contiguous
//     finished record (driver.OffsetTracker), so a commit never skips an
//     unfinished one;
//   - ending: the claim is being given up; records still queued for Receive
//     are dropped (the next owner reads them again from the committed offset);
//   - inflight: records handed out by Receive and not yet settled; a revoked
//     claim waits (bounded by drain_timeout) for them before letting go;
//   - revoked: settling a record afterwards marks nothing (we no longer own
//     the partition; the new owner redelivers it: at-least-once).
type claimState struct {
	topic     string
	partition int32
	sess      sarama.ConsumerGroupSession // nil for broadcast
	tracker   *driver.OffsetTracker       // delivered offsets and the committable one

	mu       sync.Mutex
	ending   bool
	revoked  bool
	inflight int // handed out by Receive, not settled
	settling int // Nack/DeadLetter writing a copy: revocation waits for them
}

func newClaimState(topic string, partition int32, sess sarama.ConsumerGroupSession) *claimState {
	return &claimState{topic: topic, partition: partition, sess: sess, tracker: driver.NewOffsetTracker()}
}

// delivered records a record read from the partition.
func (cs *claimState) delivered(offset int64) {
	cs.mu.Lock()
	cs.tracker.Delivered(cs.partition, offset)
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

// take counts a queued record as handed out; false drops it (claim ending).
func (cs *claimState) take(id *ackID) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.ending || id.settled {
		return false
	}
	if !id.handed {
		id.handed = true
		cs.inflight++
	}
	return true
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
	if id.settled {
		return
	}
	id.settled = true
	cs.unhand(id)
	if cs.revoked || !commit {
		return
	}
	if off, moved := cs.tracker.Done(cs.partition, id.offset); moved && cs.sess != nil {
		cs.sess.MarkOffset(cs.topic, cs.partition, off, "")
	}
}

// end gives the claim up: queued records are dropped, records in flight get
// up to wait to finish (and be marked) unless abort is closed, copies being
// written by Nack/DeadLetter always get up to wait; later settlements are
// ignored.
func (cs *claimState) end(wait time.Duration, abort <-chan struct{}) {
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
	cs.mu.Lock()
	cs.revoked = true
	cs.mu.Unlock()
}
