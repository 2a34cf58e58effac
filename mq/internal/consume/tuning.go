package consume

import "time"

// The engine's tuning, in one place.
//
// Prefetch (Held) is how many messages an engine holds at once: running,
// queued for a worker, or finished and waiting for the acker. The driver is
// asked for at most that many (driver.SubscriptionConfig.Prefetch), so it
// is also the broker-side window (RabbitMQ's QoS prefetch count, RocketMQ's
// pull batch, Kafka's run of records handed over at once). A backend whose
// client is only efficient with large hand-offs declares the smallest
// useful window as driver.Capabilities.MinPrefetch; when the user sets no
// Prefetch the engine holds max(Concurrency, MinPrefetch). Kafka declares
// its run cap (kafka/run.go, maxRunCap = 256): a partition's records are
// converted and handed over in runs of up to that many, so a smaller window
// would cut every run short. This is the only place that negotiation is
// made; the Kafka adapter reads its window back from the config's Prefetch
// (capped by the same constant).
//
// Workers take received messages in chunks. A chunk is run by one worker,
// message after message, so a fast handler does not pay a goroutine
// hand-off per message. Chunks are sized from the measured handler time so
// that one takes about chunkBudget: a slow handler gets chunks of one
// message (every message its own worker, up to Concurrency at once), a fast
// one chunks of up to a quarter of the prefetch (maxChunk). When a chunk
// runs longer than spillAfter (one handler blocked, say), the messages it
// has not started go back to the queue one by one for other workers, so a
// message never waits long behind a slow neighbour, and a handler that
// waits for another message's handler cannot deadlock its chunk.
//
// While handlers are fast the receive loop waits up to gatherPatience for
// half of the prefetch to be free (about two chunks of fast handlers), so
// messages move in batches rather than a few at a time as chunks finish.
//
// The acker settles finished messages in one driver Ack call per batch of
// at most maxAckBatch: what is waiting when it wakes, so acks add no delay
// when idle and cost one call per batch under load.
const (
	chunkBudget    = 50 * time.Microsecond
	spillAfter     = time.Millisecond
	gatherPatience = 100 * time.Microsecond
	maxAckBatch    = 256
	// CloseGrace bounds a driver's Close when the caller's ctx is already
	// done, so what finished is still committed / flushed.
	CloseGrace = 5 * time.Second
)

// maxChunkOf is the most messages a chunk holds for a prefetch of held: a
// quarter of it, so that several chunks run at once and the loop receives
// the next messages while workers handle these.
func maxChunkOf(held int) int { return max(1, held/4) }

// Held negotiates how many messages a Subscriber holds at once from the
// user's Concurrency, Prefetch (0: not set) and the backend's MinPrefetch.
// ok is false for a Prefetch below Concurrency: handlers could never all
// run, and the caller refuses the option.
func Held(concurrency, prefetch, minPrefetch int) (held int, ok bool) {
	switch {
	case prefetch == 0:
		return max(concurrency, minPrefetch), true
	case prefetch < concurrency:
		return 0, false
	}
	return prefetch, true
}

// After a failed Receive, a Receive that has waited healthyAfter without
// failing counts as a success for Policy.Received: an idle subscription's
// Receive blocks until a message comes, and its subscriber would otherwise
// look disconnected until then. While nothing fails no timer is started.
const healthyAfter = 500 * time.Millisecond

// Batch defaults (mq.BatchSize, mq.BatchLinger).
const (
	DefaultBatchSize   = 100
	DefaultBatchLinger = 50 * time.Millisecond
)

// BatchHeld negotiates the prefetch of a batch subscription: by default
// enough for every batch worker to hold a full batch
// (Concurrency × BatchSize), or the backend's MinPrefetch when larger. ok
// is false for a Prefetch below BatchSize: a batch could never fill.
func BatchHeld(concurrency, prefetch, minPrefetch, batchSize int) (held int, ok bool) {
	switch {
	case prefetch == 0:
		return max(concurrency*batchSize, minPrefetch), true
	case prefetch < batchSize:
		return 0, false
	}
	return prefetch, true
}
