package rabbitmq

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

// Channel retirement. A channel whose message the broker nacked is replaced
// once its other pending messages are settled. A nack means the broker's
// queue could not take the message, and with quorum queues the reason can be
// the channel's own state: a channel opened on a surviving node while the
// queue was electing a new leader (its previous leader's node killed) keeps
// being nacked, for about 90 s on RabbitMQ 3.10, while a new channel on the
// same connection is acked at once (measured by internal/failover's
// TestRabbitMQQuorumClusterFailover). Replacing the channel costs one
// channel.open; ordering is kept, because the slot waits for the retired
// channel's confirms before it writes on the new one.

// retireLocked marks pc for replacement (under pc.mu).
func (pc *pubChan) retireLocked() {
	if pc.retiring {
		return
	}
	pc.retiring = true
	pc.settled = make(chan struct{})
	pc.checkSettledLocked()
}

// checkSettledLocked closes pc.settled once a retiring channel has nothing pending (under pc.mu).
func (pc *pubChan) checkSettledLocked() {
	if pc.retiring && len(pc.pending) == 0 && !pc.settledClosed {
		pc.settledClosed = true
		close(pc.settled)
	}
}

// retired reports whether pc was marked for replacement.
func (pc *pubChan) retired() bool {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.retiring
}

// replace waits until the retired channel's pending messages are settled (or it died),
// closes it and waits for its confirm loop to end. The caller holds the slot.
func (pc *pubChan) replace(ctx context.Context) error {
	select {
	case <-pc.settled:
	case <-pc.recovered:
	case <-ctx.Done():
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "publish",
			Msg: "waiting for the confirms of a channel the broker nacked", Err: ctx.Err()}
	}
	_ = pc.ch.Close()
	return pc.waitRecovered(ctx)
}
