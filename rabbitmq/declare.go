package rabbitmq

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// Declare creates, ahead of any subscriber, what keeps topic's messages for
// each of groups (driver.Declarer; mq.Client.Declare): in the exchange modes
// the topic's exchange and, per group, the durable queue <topic>.<group>
// bound as an unfiltered Subscribe of that group binds it ("#" in topic
// mode, "" in fanout and direct mode); in the queue modes the topic's queue
// (groups make no difference there). The queue is exactly the one a later
// Subscribe with that group consumes, with the same arguments; a group that
// will subscribe Ordered must first subscribe once (its queue has the
// single-active-consumer argument): Declare keeps such a queue as it is.
func (c *conn) Declare(ctx context.Context, topic string, groups []string) error {
	const op = "declare"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	if err := driver.AMQPTopics.Check(op, "topic", topic); err != nil {
		return err
	}
	mode := c.modeFor(topic, nil)
	if mode.queueMode() {
		if err := c.topicDLQ(ctx, topic); err != nil {
			return err
		}
		return c.adm.do(ctx, func(ch *amqp.Channel) error {
			err := declareQueue(ch, topic, c.topicQueueArgs(topic))
			if driver.CodeOf(err) == driver.CodeInvalidOption {
				return nil // exists with arguments (single active consumer): it keeps the messages
			}
			return err
		})
	}
	plans := make([]*subscription, 0, len(groups))
	for _, g := range groups {
		s := &subscription{c: c, cfg: &driver.SubscriptionConfig{Topic: topic, Group: g}, mode: mode}
		if err := s.plan(); err != nil {
			return err
		}
		plans = append(plans, s)
	}
	if err := c.adm.do(ctx, func(ch *amqp.Channel) error { return declareExchange(ch, topic, mode) }); err != nil {
		return err
	}
	for _, s := range plans {
		if err := s.dlqFirst(ctx); err != nil {
			return err
		}
		err := c.adm.do(ctx, s.declareTopology)
		if driver.CodeOf(err) == driver.CodeInvalidOption {
			// The queue exists with other arguments (an Ordered group's):
			// it keeps the group's messages all the same once bound.
			err = c.adm.do(ctx, func(ch *amqp.Channel) error {
				for _, key := range s.bindings {
					if err := ch.QueueBind(s.queue, key, topic, false, nil); err != nil {
						return classify(op, err)
					}
				}
				return nil
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}
