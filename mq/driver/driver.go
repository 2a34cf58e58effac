// Package driver defines the small interface a unimq backend implements.
//
// Users never call a driver: they hold the concrete types of package mq,
// which validate input, enforce capabilities and run the consume loop,
// retries, backoff, dead-lettering decisions, filtering fallback, handler
// timeouts and panic recovery once for every backend. A driver only moves
// messages: send a batch, receive a batch, settle (ack, nack with delay,
// dead-letter) what it delivered, and close.
//
// Errors: a driver returns errors with a Code (Errorf, Wrap, or an *Error
// literal with Code, Msg and the library's error as Err) and leaves Op and
// Backend to mq, which stamps both on every error leaving its API (Stamp);
// the message says what failed without the backend's name. An adapter's own
// exported functions (admin, queries) call Stamp themselves.
//
// Concurrency: every method of Conn and Subscription may be called from
// several goroutines at once. Every goroutine a driver starts must have ended
// when Close returns.
//
// Package kit (mq/driver/kit) holds what drivers share besides this
// interface: URL parameters, offset tracking, dead-letter headers, ordered
// async callbacks, backoff and key hashing. An adapter's own options are
// mq.Option values made with mq.AdapterOption; its admin functions take the
// *mq.Client and reach the driver through Client.As (see README "Writing a
// backend").
package driver

import (
	"context"
	"log/slog"
	"net/url"
	"time"
)

// Opener opens a connection for a URL whose scheme was registered with
// mq.Register. It must reject unknown URL parameters with CodeInvalidOption.
type Opener func(ctx context.Context, u *url.URL, cfg *OpenConfig) (Conn, error)

// OpenConfig carries the portable options given to mq.Open.
type OpenConfig struct {
	Logger    *slog.Logger // never nil
	TxChecker TxChecker    // may be nil: check-back then answers TxUnknown
	Options   []Option     // adapter-specific options; a driver takes only its own (Backend() == its name)
}

// Option is the value of an adapter-specific option, as the driver reads it
// back from OpenConfig.Options, SendOptions.Options or
// SubscriptionConfig.Options. Users get it wrapped in an mq.Option
// (mq.AdapterOption: rocketmq.WithDelayLevel, rabbitmq.WithMode...).
// Options of another backend are ignored, so code written for one backend
// keeps running when the URL picks another.
type Option interface {
	Backend() string
}

// Mode is how a Send is confirmed.
type Mode int

// Send modes.
const (
	Sync   Mode = iota // return after the broker confirmed every message
	OneWay             // return after the messages were written; no confirmation
)

// SendOptions modifies a Send.
type SendOptions struct {
	Mode    Mode
	Options []Option // adapter-specific per-publish options
}

// TxState is the outcome of a local transaction.
type TxState int

// Transaction outcomes.
const (
	TxUnknown  TxState = iota // undecided: the broker will ask the checker later
	TxCommit                  // make the half messages visible
	TxRollback                // discard them
)

func (s TxState) String() string {
	switch s {
	case TxCommit:
		return "commit"
	case TxRollback:
		return "rollback"
	}
	return "unknown"
}

// TxChecker answers a broker's check-back for a half message whose local
// transaction outcome was unknown.
type TxChecker func(ctx context.Context, m *Message) TxState

// Conn is one connection (or pool of connections) to a broker.
type Conn interface {
	// Capabilities is constant for the life of the Conn.
	Capabilities() Capabilities

	// Send publishes msgs to topic, in order. In Sync mode it returns after
	// the broker confirmed all of them and fills BrokerID (and Partition /
	// Offset where known); an error means some may not have been stored.
	Send(ctx context.Context, topic string, msgs []*Message, opts SendOptions) error

	// SendAsync queues m and returns; done is called exactly once, from any
	// goroutine, with the confirmation result, also when the Conn closes
	// first (then with a CodeClosed error). A returned error means done will
	// not be called. m is the driver's until it calls done (which reads the
	// receipt fields set on m): the driver must not keep or touch m after
	// that, nor after returning an error, because mq reuses it.
	SendAsync(ctx context.Context, topic string, m *Message, opts SendOptions, done func(error)) error

	// Subscribe starts receiving for cfg. It returns once the subscription is
	// established at the broker (queue bound, group joined or route known),
	// so a message published after Subscribe returns is received.
	Subscribe(ctx context.Context, cfg *SubscriptionConfig) (Subscription, error)

	// Close flushes pending async sends (bounded by ctx), closes every
	// subscription still open and the connections.
	Close(ctx context.Context) error

	// As sets target to a backend type (e.g. *sarama.Client) and reports
	// whether it could.
	As(target any) bool
}

// Declarer is implemented by a Conn that can create a topic and its groups
// ahead of any subscriber (Client.Declare): Kafka and RocketMQ create the topic,
// RabbitMQ declares the exchange and one durable queue per group bound to it,
// memory creates the topic and the groups' positions. After Declare returns
// nil, a message published to topic is kept for each of groups even if no
// subscriber of that group exists yet. Declare is idempotent.
type Declarer interface {
	Declare(ctx context.Context, topic string, groups []string) error
}

// Transactor is implemented by a Conn with CapTransactions.
type Transactor interface {
	// SendTx sends msgs as half messages, runs local, and commits or rolls
	// back by its outcome. TxUnknown leaves the decision to the broker's
	// check-back (OpenConfig.TxChecker) where CapTxCheckBack is declared.
	// It returns the state the transaction ended in.
	SendTx(ctx context.Context, topic string, msgs []*Message, local func(ctx context.Context) TxState, opts SendOptions) (TxState, error)
}

// StartPosition is where a new group (or a broadcast subscriber) starts.
type StartPosition struct {
	Kind StartKind
	Time time.Time // for StartAtTime
}

// StartKind selects a start position.
type StartKind int

// Start positions.
const (
	StartNewest StartKind = iota // only messages published after Subscribe returns
	StartOldest                  // the oldest message retained
	StartAtTime                  // the first message published at or after Time
)

// Filter selects messages by tag. Match is what mq checks client-side on
// every message; Exprs are the expressions a driver may push down to the
// broker (RocketMQ tag expressions, RabbitMQ binding keys).
type Filter interface {
	Match(tag string) bool
	// Tags returns the plain tags of an "a || b" expression, nil for "*"/empty.
	Tags() []string
	// Patterns returns the binding patterns ("order.*", "#.error"), nil when
	// the filter is not a pattern filter.
	Patterns() []string
	// String is the expression as the user wrote it.
	String() string
}

// SubscriptionConfig is what mq asks a driver to subscribe.
type SubscriptionConfig struct {
	Topic       string
	Group       string // never empty unless Broadcast
	Broadcast   bool
	Filter      Filter // nil: every message
	Ordered     bool   // deliver messages of one key in order, one at a time
	Prefetch    int    // how many unsettled messages the driver may hold (>= 1)
	Start       StartPosition
	MaxAttempts int    // after this many attempts mq calls DeadLetter
	DeadLetter  string // dead-letter destination chosen by the user; "" = the driver's default
	Options     []Option
}

// Subscription delivers messages for one SubscriptionConfig.
type Subscription interface {
	// Receive blocks until at least one message is available or ctx is
	// done, then returns up to max messages without waiting for more.
	// Delivered messages stay unsettled until Ack, Nack or DeadLetter.
	// A CodeUnavailable error is transient: mq retries with backoff.
	Receive(ctx context.Context, max int) ([]*Message, error)

	// Ack settles msgs as processed. It settles every message it can and
	// returns the first error (mq retries a failed batch one by one).
	Ack(ctx context.Context, msgs []*Message) error

	// Nack asks for redelivery of m not before delay, with Attempt+1.
	Nack(ctx context.Context, m *Message, delay time.Duration) error

	// DeadLetter moves m to the dead-letter destination with reason (and the
	// headers HeaderDeadReason, HeaderDeadTopic, HeaderDeadGroup,
	// HeaderDeadAttempts), then settles it.
	DeadLetter(ctx context.Context, m *Message, reason string) error

	// Close stops delivery. Unsettled messages are returned to the broker
	// for redelivery (to this group), never acknowledged.
	Close(ctx context.Context) error

	// As sets target to a backend type and reports whether it could.
	As(target any) bool
}
