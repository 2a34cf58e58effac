package mq

import (
	"context"
	"fmt"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/internal/consume"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	EventPublished    EventKind = iota // a publish finished (Err set when it failed)
	EventAcked                         // a received message was acknowledged
	EventRetried                       // a failed attempt was sent back for redelivery
	EventDeadLettered                  // a message went to the dead letter
	EventSkipped                       // a message was filtered out and acknowledged
)

func (k EventKind) String() string {
	switch k {
	case EventPublished:
		return "published"
	case EventAcked:
		return "acked"
	case EventRetried:
		return "retried"
	case EventDeadLettered:
		return "dead-lettered"
	case EventSkipped:
		return "skipped"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is what a Hook sees: enough for metrics (count by Kind and Topic,
// observe Duration), logs and trace spans. It is passed by value; hooks must
// not block.
type Event struct {
	Kind     EventKind
	Topic    string
	Group    string // "" for publishes
	ID       string
	Key      string
	Tag      string
	Attempt  int           // the delivery attempt settled (received messages): the failed one for EventRetried
	Count    int           // messages in the publish (batch size), 1 otherwise
	Err      error         // the publish error, or the handler error that caused a retry / dead letter
	Duration time.Duration // publish: until confirmed; settle: since the message was received

	// Headers are the message's headers: as sent (after publish
	// middleware) for EventPublished, as received for settlements. The map
	// is the message's own: hooks must not modify it.
	Headers map[string]string
	// Partition, Offset and BrokerID locate the message where the backend
	// reports them (after a confirmed publish, on receipt); -1, -1 and ""
	// when it does not.
	Partition int32
	Offset    int64
	BrokerID  string
	// Backend is the client's Capabilities().Backend ("kafka", "rabbitmq",
	// "rocketmq", "memory").
	Backend string
}

// Hook observes publishes and settlements. Set it with WithHook at Open.
// For a publish, ctx is the caller's. For the settlement of a message
// delivered to a Handler (EventAcked, EventRetried, EventDeadLettered), ctx
// is the one the Handler got, inside every middleware (so a span a
// middleware put in it is there); it may be canceled by then
// (HandlerTimeout), its values stay. For EventSkipped it is the
// subscriber's. For a Consumer it is the ctx given to Receive (EventSkipped),
// Ack or Nack (a background ctx when AckTimeout redelivers).
type Hook func(ctx context.Context, e Event)

// WithHook adds a hook called after every publish (PublishTx included, once
// per transaction) and every settlement (ack, retry, dead letter, skip), from
// the goroutine that did it (Open). Use it for metrics, logs and tracing; it
// must be fast and must not block. A publish's ctx is the caller's, as
// returned by the PublishInterceptors.
func WithHook(h Hook) Option {
	return Option{"WithHook", forOpen, func(s *settings) error {
		if h == nil {
			return fmt.Errorf("nil hook")
		}
		s.hooks = append(s.hooks, h)
		return nil
	}}
}

func (c *Client) published(ctx context.Context, topic string, m *Message, n int, err error, start time.Time) {
	if len(c.set.hooks) == 0 {
		return
	}
	e := Event{Kind: EventPublished, Topic: topic, Count: n, Err: err, Duration: time.Since(start),
		Partition: -1, Offset: -1}
	if m != nil {
		e.ID, e.Key, e.Tag, e.Headers = m.ID, m.Key, m.Tag, m.Headers
		if err == nil {
			e.Partition, e.Offset, e.BrokerID = m.Partition, m.Offset, m.BrokerID
		}
	}
	for _, h := range c.set.hooks {
		h(ctx, e)
	}
}

// policy is the consumption policy of a Subscriber or Consumer on topic:
// set's options, and the client's hooks as the engine's Settled callback.
func (c *Client) policy(topic string, set *settings) consume.Policy {
	p := consume.Policy{
		Topic: topic, Group: set.group,
		Concurrency: set.concurrency, Held: set.held, Ordered: set.ordered,
		MaxAttempts: set.maxAttempts, Backoff: set.backoff, HandlerTimeout: set.handlerTimeout,
		Permanent: IsNoRetry,
		Logger:    c.log,
	}
	hi := HandlerInfo{Topic: topic, Group: set.group, Backend: c.caps.Backend}
	if set.broadcast {
		hi.Group = ""
	}
	p.Base = ContextWithHandlerInfo(context.Background(), hi)
	if f := set.filter; f != nil {
		p.Match = f.Match
	}
	if hooks := c.set.hooks; len(hooks) > 0 {
		p.Settled = func(ctx context.Context, o consume.Outcome, dm *driver.Message, attempt int, err error, start time.Time) {
			e := Event{Kind: eventKinds[o], Topic: topic, Group: set.group, ID: dm.ID, Key: dm.Key, Tag: dm.Tag,
				Attempt: attempt, Count: 1, Err: err, Headers: dm.Headers,
				Partition: dm.Partition, Offset: dm.Offset, BrokerID: dm.BrokerID}
			if !start.IsZero() {
				e.Duration = time.Since(start)
			}
			for _, h := range hooks {
				h(ctx, e)
			}
		}
	}
	return p
}

// eventKinds maps the engine's outcomes to Event kinds.
var eventKinds = [...]EventKind{
	consume.Acked:        EventAcked,
	consume.Retried:      EventRetried,
	consume.DeadLettered: EventDeadLettered,
	consume.Skipped:      EventSkipped,
}

// stampBackend makes every hook of s see backend in Event.Backend.
func stampBackend(s *settings, backend string) {
	for i, h := range s.hooks {
		s.hooks[i] = func(ctx context.Context, e Event) {
			e.Backend = backend
			h(ctx, e)
		}
	}
}
