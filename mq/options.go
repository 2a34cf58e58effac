package mq

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/unimq/unimq/mq/driver"
)

// Scope says where an Option may be given: to Open, to a Publish call
// (Publish, PublishBatch, PublishAsync, PublishOneWay, PublishTx), to
// Subscribe or to NewConsumer, or to a union of them (ScopeOpen|ScopePublish).
// Adapters give it to AdapterOption.
type Scope uint8

// Scopes.
const (
	ScopeOpen Scope = 1 << iota
	ScopePublish
	ScopeSubscribe
	ScopeConsumer
	// ScopeSubscribeBatch is SubscribeBatch: every Subscribe option but
	// WithMiddleware is accepted there too, and the batch options.
	ScopeSubscribeBatch
)

// scope and its constants are the short names used inside mq.
type scope = Scope

const (
	forOpen      = ScopeOpen
	forPublish   = ScopePublish
	forSubscribe = ScopeSubscribe
	forConsumer  = ScopeConsumer
	forBatch     = ScopeSubscribeBatch
	forAll       = forOpen | forPublish | forSubscribe | forConsumer
)

func (s Scope) String() string {
	var p []string
	for _, x := range []struct {
		s Scope
		n string
	}{{forOpen, "Open"}, {forPublish, "Publish"}, {forSubscribe, "Subscribe"}, {forConsumer, "Consumer"}, {forBatch, "SubscribeBatch"}} {
		if s&x.s != 0 {
			p = append(p, x.n)
		}
	}
	return strings.Join(p, ", ")
}

// Option configures Open, a Publish call, Subscribe or Consumer. Each option
// documents where it applies; given elsewhere it is an ErrInvalidOption.
type Option struct {
	name  string
	scope scope
	apply func(*settings) error
}

// settings is the union of every configurable value.
type settings struct {
	// Open
	logger     *slog.Logger
	txChecker  TxChecker
	maxSize    int
	middleware []func(Handler) Handler
	driverOpts []driver.Option
	hooks      []Hook
	// interceptors run before every publish (publish_intercept.go)
	interceptors []PublishInterceptor
	receivers    []ReceiveInterceptor // run for each pulled message (receive_intercept.go)
	opened       []func(*Client)      // OnOpen
	logLevel     slog.Leveler         // nil: the logger's own level

	// Subscribe / Consumer
	group          string
	broadcast      bool
	filter         *Filter
	ordered        bool
	concurrency    int
	prefetch       int // Prefetch, 0 when not set
	held           int // messages a Subscriber or Consumer holds at once (resolved by Client.open)
	maxAttempts    int
	backoff        Backoff
	deadLetter     string
	handlerTimeout time.Duration
	start          driver.StartPosition
	ackTimeout     time.Duration
	batchSize      int           // SubscribeBatch
	batchLinger    time.Duration // SubscribeBatch
}

// Defaults, documented on the options that change them.
const (
	DefaultGroup       = "default"
	DefaultConcurrency = 8
	DefaultMaxAttempts = 16
)

// Upper bounds of the options that size what a Subscriber or Consumer holds.
// Larger values are refused with ErrInvalidOption: a Subscriber starts one
// worker per unit of Concurrency and keeps buffers the size of its Prefetch.
const (
	// MaxConcurrency is the largest Concurrency: handlers running at once.
	MaxConcurrency = 4096
	// MaxPrefetch is the largest Prefetch, and the most messages one
	// Consumer.Receive returns: RabbitMQ's prefetch count is a 16-bit field.
	MaxPrefetch = 65535
)

func newSettings() *settings {
	return &settings{
		concurrency: DefaultConcurrency,
		maxAttempts: DefaultMaxAttempts,
		backoff:     ExponentialBackoff(100*time.Millisecond, 30*time.Second),
		group:       DefaultGroup,
	}
}

// plainErr is the message of a coded error without its code, for an
// option's apply function (applyAll gives it CodeInvalidOption).
func plainErr(err error) error {
	var e *driver.Error
	if errors.As(err, &e) {
		return errors.New(e.Msg)
	}
	return err
}

func (s *settings) applyAll(op string, where scope, opts []Option) error {
	for _, o := range opts {
		if o.apply == nil {
			return driver.Errorf(driver.CodeInvalidOption, op, "zero Option value")
		}
		in := o.scope
		if in&forSubscribe != 0 && o.name != "WithMiddleware" {
			in |= forBatch // middleware wraps a Handler, not a BatchHandler
		}
		if in&where == 0 {
			return driver.Errorf(driver.CodeInvalidOption, op, "option %s applies to %s, not %s", o.name, o.scope, where)
		}
		if err := o.apply(s); err != nil {
			return &Error{Code: driver.CodeInvalidOption, Op: op, Msg: fmt.Sprintf("option %s", o.name), Err: err}
		}
	}
	if where == forConsumer && s.prefetch != 0 {
		// A Consumer holds Prefetch messages; Client.open sizes what it
		// holds from concurrency, which a Consumer has no other use for.
		s.concurrency = s.prefetch
	}
	return nil
}

// WithLogger sets the logger of the client and of the backend's own client
// library where it can be routed (Open). Default: slog.Default().
func WithLogger(l *slog.Logger) Option {
	return Option{"WithLogger", forOpen, func(s *settings) error {
		if l == nil {
			return fmt.Errorf("nil logger")
		}
		s.logger = l
		return nil
	}}
}

// MaxMessageSize sets the largest message (body + key + tag + id + headers)
// Publish accepts; larger ones get ErrTooLarge before anything is sent
// (Open). Default: the backend's limit (Capabilities().MaxMessageSize).
func MaxMessageSize(n int) Option {
	return Option{"MaxMessageSize", forOpen, func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("size %d must be positive", n)
		}
		s.maxSize = n
		return nil
	}}
}

// WithTxChecker sets the function that answers the broker's check-back for
// transactions whose local outcome was unknown (Open).
func WithTxChecker(c TxChecker) Option {
	return Option{"WithTxChecker", forOpen, func(s *settings) error {
		if c == nil {
			return fmt.Errorf("nil checker")
		}
		s.txChecker = c
		return nil
	}}
}

// WithMiddleware wraps every Handler of the client, outermost first: the
// place for logging, metrics and tracing (Open, Subscribe).
func WithMiddleware(mw ...func(Handler) Handler) Option {
	return Option{"WithMiddleware", forOpen | forSubscribe, func(s *settings) error {
		for _, m := range mw {
			if m == nil {
				return fmt.Errorf("nil middleware")
			}
		}
		s.middleware = append(s.middleware, mw...)
		return nil
	}}
}

// AdapterOption is how an adapter makes its own options (kafka.WithPartition,
// rabbitmq.WithMode, rocketmq.WithDelayLevel...): name is how errors name it
// ("kafka.WithPartition"), where the calls it applies to, and o the value the
// driver finds in OpenConfig.Options, SendOptions.Options or
// SubscriptionConfig.Options (a Subscribe or NewConsumer gets the Open
// options too, first). Given to a call outside where, it is refused with
// ErrInvalidOption naming the option and the call. A backend ignores the
// options of other backends, so code written for one keeps running when the
// URL picks another. Users never call it: they call the adapter's WithXxx.
func AdapterOption(name string, where Scope, o driver.Option) Option {
	return Option{name, where, func(s *settings) error {
		if o == nil {
			return fmt.Errorf("nil adapter option")
		}
		s.driverOpts = append(s.driverOpts, o)
		return nil
	}}
}

// Group sets the consumer group: subscribers of one group compete for
// messages, every group gets every message (Subscribe, Consumer).
// Default: DefaultGroup ("default"). A name is 1 to MaxGroupLen bytes of
// valid UTF-8 without control characters or white space.
func Group(name string) Option {
	return Option{"Group", forSubscribe | forConsumer, func(s *settings) error {
		if err := validGroup("group", name); err != nil {
			return plainErr(err) // applyAll makes it an ErrInvalidOption
		}
		s.group = name
		return nil
	}}
}

// Broadcast gives this subscriber every message, whatever other subscribers
// do (Subscribe, Consumer). It starts at the newest message unless StartFrom
// says otherwise.
func Broadcast() Option {
	return Option{"Broadcast", forSubscribe | forConsumer, func(s *settings) error {
		s.broadcast = true
		return nil
	}}
}

// TagFilter keeps messages whose tag matches expr, a RocketMQ-style
// expression: "*" (all), "a", or "a || b || c" (Subscribe, Consumer).
func TagFilter(expr string) Option {
	return Option{"TagFilter", forSubscribe | forConsumer, func(s *settings) error {
		f, err := ParseTagFilter(expr)
		if err != nil {
			return err
		}
		s.filter = f
		return nil
	}}
}

// TagPattern keeps messages whose dot-separated tag matches one of patterns,
// RabbitMQ topic-exchange style: "*" is exactly one word, "#" zero or more
// ("order.*", "#.error") (Subscribe, Consumer).
func TagPattern(patterns ...string) Option {
	return Option{"TagPattern", forSubscribe | forConsumer, func(s *settings) error {
		f, err := ParseTagPattern(patterns...)
		if err != nil {
			return err
		}
		s.filter = f
		return nil
	}}
}

// Ordered delivers messages of one Key in publish order (Subscribe,
// Consumer). The backend must have CapOrdered. To a Subscriber's handlers,
// one at a time per key: a failing message is retried in place and blocks
// only its own key (and, on partitioned backends, its partition/queue) until
// it succeeds or is dead-lettered. To a Consumer, it asks for the backend's
// ordered delivery: Receive returns the messages of one key in publish order.
func Ordered() Option {
	return Option{"Ordered", forSubscribe | forConsumer, func(s *settings) error {
		s.ordered = true
		return nil
	}}
}

// Prefetch sets how many messages a Subscriber or Consumer holds at once
// (Subscribe, Consumer). A Subscriber's are running, waiting for a free
// handler, or sent ahead by the broker (RabbitMQ: the channel's QoS prefetch
// count; Kafka: the most records handed over at once; RocketMQ: the most
// messages per consume callback, at most 32); it must be at least
// Concurrency. Default: Concurrency, or the backend's
// Capabilities().MinPrefetch when larger (Kafka: 256; the others: none). A
// larger prefetch moves messages in bigger batches (more throughput for fast
// handlers); a smaller one keeps more of them at the broker for other
// consumers (fairer for slow handlers on RabbitMQ). A Consumer's are the
// messages received from the broker and not yet settled; default
// DefaultConcurrency (8). At most MaxPrefetch.
func Prefetch(n int) Option {
	return Option{"Prefetch", forSubscribe | forConsumer, func(s *settings) error {
		if n < 1 || n > MaxPrefetch {
			return fmt.Errorf("prefetch %d must be from 1 to %d (MaxPrefetch)", n, MaxPrefetch)
		}
		s.prefetch = n
		return nil
	}}
}

// Concurrency sets how many handlers of a Subscriber run at once
// (Subscribe). It is the Subscriber's prefetch too unless Prefetch says
// otherwise. A Consumer runs no handlers: its Prefetch sets what it holds.
// Default: DefaultConcurrency (8); at most MaxConcurrency.
func Concurrency(n int) Option {
	return Option{"Concurrency", forSubscribe, func(s *settings) error {
		if n < 1 || n > MaxConcurrency {
			return fmt.Errorf("concurrency %d must be from 1 to %d (MaxConcurrency)", n, MaxConcurrency)
		}
		s.concurrency = n
		return nil
	}}
}

// MaxAttempts sets how many deliveries a message gets before it is
// dead-lettered (Subscribe, Consumer). Default: DefaultMaxAttempts (16).
func MaxAttempts(n int) Option {
	return Option{"MaxAttempts", forSubscribe | forConsumer, func(s *settings) error {
		if n < 1 {
			return fmt.Errorf("max attempts %d must be at least 1", n)
		}
		s.maxAttempts = n
		return nil
	}}
}

// WithBackoff sets the delay before redelivery after a failed attempt
// (Subscribe, Consumer). Default: ExponentialBackoff(100ms, 30s).
func WithBackoff(b Backoff) Option {
	return Option{"WithBackoff", forSubscribe | forConsumer, func(s *settings) error {
		if b == nil {
			return fmt.Errorf("nil backoff")
		}
		s.backoff = b
		return nil
	}}
}

// DeadLetterTopic sets where messages go after MaxAttempts (Subscribe,
// Consumer). Default: the backend's native place (RocketMQ %DLQ%group,
// RabbitMQ the group's dead-letter queue, Kafka topic "<topic>.<group>.dlq",
// memory the same as Kafka).
func DeadLetterTopic(topic string) Option {
	return Option{"DeadLetterTopic", forSubscribe | forConsumer, func(s *settings) error {
		if topic == "" {
			return fmt.Errorf("empty dead-letter topic")
		}
		s.deadLetter = topic
		return nil
	}}
}

// HandlerTimeout bounds one handler call: past it the handler's ctx is
// canceled and the attempt counts as failed (Subscribe). A handler that
// ignores its ctx keeps its slot until it returns: at most Concurrency
// handlers run at once, and its message is redelivered only after it
// returned, so no message runs twice at once in one Subscriber. Default:
// none.
func HandlerTimeout(d time.Duration) Option {
	return Option{"HandlerTimeout", forSubscribe, func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v must be positive", d)
		}
		s.handlerTimeout = d
		return nil
	}}
}

// AckTimeout redelivers a message received from Consumer.Receive that was
// neither acked nor nacked within d, as the long polling of RocketMQ's HTTP
// SDK does (Consumer). Default: none.
func AckTimeout(d time.Duration) Option {
	return Option{"AckTimeout", forConsumer, func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v must be positive", d)
		}
		s.ackTimeout = d
		return nil
	}}
}

// Start is where a new group or a broadcast subscriber starts (StartFrom).
type Start int

// Start positions for StartFrom.
const (
	Newest Start = Start(driver.StartNewest) // only messages published after Subscribe returns
	Oldest Start = Start(driver.StartOldest) // the oldest message the broker retains
)

func (s Start) String() string {
	switch s {
	case Newest:
		return "newest"
	case Oldest:
		return "oldest"
	}
	return fmt.Sprintf("start(%d)", int(s))
}

// StartFrom sets where a new group or a broadcast subscriber starts: Newest
// (default) or Oldest. A group that has consumed before resumes where it
// left off (Subscribe, Consumer).
func StartFrom(k Start) Option {
	return Option{"StartFrom", forSubscribe | forConsumer, func(s *settings) error {
		if k != Newest && k != Oldest {
			return fmt.Errorf("use StartAt for a time")
		}
		s.start = driver.StartPosition{Kind: driver.StartKind(k)}
		return nil
	}}
}

// StartAt makes a new group start at the first message published at or after
// t (Subscribe, Consumer). Needs CapStartTime.
func StartAt(t time.Time) Option {
	return Option{"StartAt", forSubscribe | forConsumer, func(s *settings) error {
		if t.IsZero() {
			return fmt.Errorf("zero time")
		}
		s.start = driver.StartPosition{Kind: driver.StartAtTime, Time: t}
		return nil
	}}
}
