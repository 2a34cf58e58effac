package rabbitmq

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Delayed messages wait in a delay queue whose TTL dead-letters them into
// the topic's exchange. RabbitMQ dead-letters without the mandatory flag: a
// message the exchange routes nowhere when its delay ends is dropped, and
// the publisher, long confirmed, never hears of it. So in the exchange modes
// a delayed publish first checks that the exchange routes its tag to a
// queue now, with a probe: an empty, transient message with the mandatory
// flag, header unimq-probe and a per-message TTL of 0. A probe that reaches
// no queue comes back (basic.return): the delayed publish then fails with
// ErrUnroutable before anything is stored, as an immediate one would. A
// probe that reaches queues expires there at once unless a consumer can take
// it that instant; unimq subscribers acknowledge and skip it (a plain AMQP
// consumer sees an empty message with header unimq-probe). A positive probe
// is remembered for probeTTL per exchange and tag.
//
// The check is made at publish time: a queue deleted (or unbound) during
// the delay still loses the message. Declare the groups (mq.Client.Declare)
// and keep their queues.
const probeTTL = 5 * time.Second

func isProbe(d *amqp.Delivery) bool {
	_, ok := d.Headers[headerProbe]
	return ok
}

// probe checks that exchange routes key to at least one queue.
func (c *conn) probe(ctx context.Context, exchange, key string) error {
	k := exchange + "\x00" + key
	if v, ok := c.probes.Load(k); ok && time.Since(v.(time.Time)) < probeTTL {
		return nil
	}
	p := amqp.Publishing{Expiration: "0", DeliveryMode: amqp.Transient, Headers: amqp.Table{headerProbe: "1"}}
	err := c.publishConfirmed(ctx, exchange, key, &p)
	if driver.CodeOf(err) == driver.CodeUnroutable {
		return driver.Errorf(driver.CodeUnroutable, "publish", "delayed message to topic %q with tag %q: no queue is bound for it now, so it would be dropped when its delay ends; Declare the topic's groups or subscribe first", exchange, key)
	}
	if err != nil {
		return err
	}
	c.probes.Store(k, time.Now())
	return nil
}
