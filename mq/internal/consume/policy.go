package consume

import (
	"context"
	"log/slog"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Outcome says how a message was settled, for the Settled callback.
type Outcome int

// Outcomes.
const (
	Acked        Outcome = iota // the handler returned nil; acknowledged
	Retried                     // a failed attempt was sent back for redelivery
	DeadLettered                // the message went to the dead letter
	Skipped                     // the message was filtered out and acknowledged
)

// Policy is what an engine (and a Settler) applies to every message, the
// same for every backend.
type Policy struct {
	Topic string // for logs and the Settled callback
	Group string

	Concurrency    int  // handlers at once (>= 1)
	Held           int  // messages held at once, the prefetch (>= Concurrency; see Held)
	Ordered        bool // one message per key (or partition) at a time, retried in place
	MaxAttempts    int  // dead-letter after this many attempts
	Backoff        func(attempt int) time.Duration
	HandlerTimeout time.Duration // 0: none (batch mode: for the whole batch)

	// BatchSize > 0 selects batch mode (batch.go): the handler gets up to
	// BatchSize messages, gathered for at most BatchLinger after the first.
	BatchSize   int
	BatchLinger time.Duration
	// FailedIndexes reports whether a batch handler's error names the
	// failed messages (indexes into the batch) and the cause to settle
	// them with; ok false: the whole batch failed with err.
	FailedIndexes func(err error) (idx []int, cause error, ok bool)

	// Match filters by tag (nil: every message); a message it refuses is
	// acknowledged as Skipped without running the handler.
	Match func(tag string) bool
	// Permanent reports a handler error that must not be retried (mq.NoRetry).
	Permanent func(error) bool

	Logger *slog.Logger // never nil
	// Base, when not nil, is the parent of every handler's ctx (its values
	// reach the handlers; its cancellation does not stop the engine).
	Base context.Context
	// Received, when not nil, is called by the receive loop after every
	// Receive with its error (nil on success), not after the one that
	// ends with Close. It must be cheap and must not block.
	Received func(err error)
	// Settled, when not nil, is called after every settlement with the ctx
	// the handler got (see Handle), the attempt settled (the failed one for
	// Retried), the handler's error and when processing began. It is
	// called from the goroutine that settled and must not block. Without
	// it the engine does not read the clock per message.
	Settled func(ctx context.Context, o Outcome, dm *driver.Message, attempt int, err error, start time.Time)
}

func (p *Policy) permanent(err error) bool { return p.Permanent != nil && p.Permanent(err) }
