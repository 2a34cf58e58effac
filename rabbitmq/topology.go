package rabbitmq

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Names of the broker objects. Every queue and exchange is durable except the
// per-subscriber broadcast queues.
//
//	topic exchange      <topic>                     (fanout/direct/topic modes)
//	topic queue         <topic>                     (simple/worker modes)
//	group queue         <topic>.<group>             (exchange modes)
//	broadcast queue     <topic>.broadcast.<random>  exclusive, auto-delete
//	dead-letter queue   <group queue>.dlq
//	delay exchange      unimq.delay.<topic>         headers exchange
//	delay queue         unimq.delay.<topic>.<ms>    TTL ms, dead-letters to the topic
//	retry queue         unimq.retry.<queue>.<ms>    TTL ms, dead-letters to <queue>
//
// Delay and retry queues of type quorum end in ".quorum" (QueueType.hopSuffix).
func groupQueue(topic, group string) string { return topic + "." + group }
func dlqName(queue string) string           { return queue + ".dlq" }
func delayExchange(topic string) string     { return "unimq.delay." + topic }
func delayQueue(topic string, ms int64) string {
	return "unimq.delay." + topic + "." + strconv.FormatInt(ms, 10)
}
func retryQueue(queue string, ms int64) string {
	return "unimq.retry." + queue + "." + strconv.FormatInt(ms, 10)
}

// MaxDelay is the longest delay: per-queue TTLs and expiries are 32-bit
// millisecond counts on the broker.
const MaxDelay = 24 * 24 * time.Hour

// bucket rounds a delay up to a delay-queue TTL: 10 ms steps below one
// second, three significant digits above (at most 1% late). Every message in
// one delay queue has the same TTL, so a long delay never holds up a short
// one (per-message TTLs only expire at the head of a queue).
func bucket(d time.Duration) int64 {
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	if ms < 10 {
		return 10
	}
	step := int64(10)
	for lim := int64(1000); ms >= lim; lim *= 10 {
		step = lim / 100
	}
	return (ms + step - 1) / step * step
}

// expiry keeps an idle delay/retry queue (x-expires) long after its last
// message expired; publishers re-declare it at least every refresh.
func expiry(ms int64) int64 {
	e := ms + max(ms, 60_000) + 2*refresh.Milliseconds()
	return min(e, 1<<32-1)
}

const refresh = 30 * time.Second

func declareExchange(ch *amqp.Channel, name string, mode Mode) error {
	if err := checkName("declare", "exchange name", name); err != nil {
		return err
	}
	err := ch.ExchangeDeclare(name, mode.exchangeKind(), true, false, false, false, nil)
	if isCode(err, amqp.PreconditionFailed) {
		return driver.Errorf(driver.CodeInvalidOption, "declare", "exchange %q exists with another type than %s (topic mode mismatch?): %w", name, mode.exchangeKind(), err)
	}
	return classify("declare", err)
}

func declareQueue(ch *amqp.Channel, name string, args amqp.Table) error {
	if err := checkName("declare", "queue name", name); err != nil {
		return err
	}
	_, err := ch.QueueDeclare(name, true, false, false, false, args)
	if isCode(err, amqp.PreconditionFailed) {
		return conflictErr(name, err)
	}
	return classify("declare", err)
}

// declarePassive checks that queue name exists, whatever its arguments.
func declarePassive(ch *amqp.Channel, name string) error {
	if err := checkName("declare", "queue name", name); err != nil {
		return err
	}
	_, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
	if isCode(err, amqp.NotFound) {
		return driver.Errorf(driver.CodeNotFound, "subscribe", "queue %q does not exist (WithExistingQueue declares nothing): %w", name, err)
	}
	return classify("declare", err)
}

func isCode(err error, code int) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == code
}

// admin declares what publishers need on a channel of its own (a failed
// declaration closes its channel) and remembers what it declared on the
// current connection.
type admin struct {
	link *link
	mu   sync.Mutex
	ch   *amqp.Channel
	gen  uint64
	done sync.Map // key -> declared{gen, at}
}

type declared struct {
	gen uint64
	at  time.Time
}

// ensure runs fn once per connection for key (again after every, when set).
func (a *admin) ensure(ctx context.Context, key string, every time.Duration, fn func(ch *amqp.Channel) error) error {
	if v, ok := a.done.Load(key); ok {
		d := v.(declared)
		if d.gen == a.link.generation() && (every == 0 || time.Since(d.at) < every) {
			return nil
		}
	}
	gen := a.link.generation()
	if err := a.do(ctx, fn); err != nil {
		return err
	}
	a.done.Store(key, declared{gen: gen, at: time.Now()})
	return nil
}

// do runs fn on the admin channel, opening it first when needed.
func (a *admin) do(ctx context.Context, fn func(ch *amqp.Channel) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, gen, err := a.link.current(ctx)
	if err != nil {
		return err
	}
	if a.ch == nil || a.ch.IsClosed() || a.gen != gen {
		if a.ch != nil {
			_ = a.ch.Close()
		}
		a.ch, err = conn.Channel()
		if err != nil {
			a.ch = nil
			return classify("declare", err)
		}
		a.gen = gen
	}
	return fn(a.ch)
}

// forget drops every remembered declaration (after the broker said an
// object is missing).
func (a *admin) forget() { a.done.Clear() }

// topicTarget declares what a publish to topic in mode needs and returns the
// exchange and whether the topic is a queue.
func (c *conn) topicTarget(ctx context.Context, topic string, mode Mode) (exchange string, err error) {
	if mode.queueMode() {
		if err := c.topicDLQ(ctx, topic); err != nil {
			return "", err
		}
		err = c.adm.ensure(ctx, "q:"+topic, 0, func(ch *amqp.Channel) error {
			err := declareQueue(ch, topic, c.topicQueueArgs(topic))
			if driver.CodeOf(err) == driver.CodeInvalidOption {
				return nil // exists with arguments (single active consumer): fine to publish to
			}
			return err
		})
		return "", err
	}
	err = c.adm.ensure(ctx, "x:"+topic+":"+mode.exchangeKind(), 0, func(ch *amqp.Channel) error {
		return declareExchange(ch, topic, mode)
	})
	return topic, err
}

// topicQueueArgs are the arguments of the queue of a topic in a queue mode,
// as a publisher or Declare creates it.
func (c *conn) topicQueueArgs(topic string) amqp.Table {
	return c.qtype.queueArgs(topic, c.cfg.deliveryLimit, c.cfg.alo.Load())
}

// topicDLQ declares the dead-letter queue of a quorum topic queue (queue
// modes) before the queue, which dead-letters to it.
func (c *conn) topicDLQ(ctx context.Context, topic string) error {
	if c.qtype != Quorum || c.cfg.deliveryLimit == 0 {
		return nil
	}
	_, err := c.dlqTarget(ctx, topic, c.qtype)
	return err
}

// delayTarget declares the delay exchange and the delay queue of bucket ms
// for topic, and returns the exchange and the value of headerDelay that
// routes to that queue.
func (c *conn) delayTarget(ctx context.Context, topic string, mode Mode, ms int64) (string, string, error) {
	if _, err := c.topicTarget(ctx, topic, mode); err != nil {
		return "", "", err
	}
	ht := c.qtype.hopType(c.cfg.alo.Load())
	dx := delayExchange(topic)
	dq := delayQueue(topic, ms) + ht.hopSuffix()
	key := strconv.FormatInt(ms, 10) + ht.hopSuffix()
	if err := checkName("publish", "delay queue name", dq); err != nil {
		return "", "", err
	}
	err := c.adm.ensure(ctx, "d:"+dq, refresh, func(ch *amqp.Channel) error {
		if err := ch.ExchangeDeclare(dx, "headers", true, false, false, false, nil); err != nil {
			return classify("declare", err)
		}
		args := amqp.Table{"x-message-ttl": ms, "x-expires": expiry(ms)}
		if mode.queueMode() {
			args["x-dead-letter-exchange"] = ""
			args["x-dead-letter-routing-key"] = topic
		} else {
			args["x-dead-letter-exchange"] = topic
		}
		if err := declareQueue(ch, dq, ht.hopArgs(args)); err != nil {
			return err
		}
		return classify("declare", ch.QueueBind(dq, "", dx, false, amqp.Table{"x-match": "all", headerDelay: key}))
	})
	return dx, key, err
}

// retryTarget declares the retry queue of bucket ms for queue (of type qt)
// and returns its name.
func (c *conn) retryTarget(ctx context.Context, queue string, qt QueueType, ms int64) (string, error) {
	ht := qt.hopType(c.cfg.alo.Load())
	rq := retryQueue(queue, ms) + ht.hopSuffix()
	if err := checkName("nack", "retry queue name", rq); err != nil {
		return "", err
	}
	err := c.adm.ensure(ctx, "r:"+rq, refresh, func(ch *amqp.Channel) error {
		return declareQueue(ch, rq, ht.hopArgs(amqp.Table{
			"x-message-ttl":             ms,
			"x-expires":                 expiry(ms),
			"x-dead-letter-exchange":    "",
			"x-dead-letter-routing-key": queue,
		}))
	})
	return rq, err
}

// dlqTarget declares the dead-letter queue of queue (of type qt). One that
// exists with other arguments (another type) keeps dead letters all the
// same.
func (c *conn) dlqTarget(ctx context.Context, queue string, qt QueueType) (string, error) {
	q := dlqName(queue)
	err := c.adm.ensure(ctx, "l:"+q+":"+qt.String(), 0, func(ch *amqp.Channel) error { return declareDLQ(ch, q, qt) })
	return q, err
}

// declareDLQ declares dead-letter queue q of type qt, keeping one that
// exists with other arguments.
func declareDLQ(ch *amqp.Channel, q string, qt QueueType) error {
	err := declareQueue(ch, q, qt.plainArgs())
	if driver.CodeOf(err) == driver.CodeInvalidOption {
		return nil
	}
	return err
}
