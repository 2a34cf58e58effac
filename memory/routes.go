package memory

import (
	"github.com/unimq/unimq/mq/driver"
)

// Routing of a broker created with like=rabbitmq. In RabbitMQ's exchange
// modes a message reaches the queues whose bindings match its routing key
// (the tag), and a publish that reaches no queue is returned as unroutable.
// memory keeps the same account: each group of a topic is a queue bound by
// the filters its subscribers had (no filter, or Declare: every tag), bound
// for as long as the group exists, as a durable queue keeps its bindings;
// a broadcast subscriber's private group goes with it, as its exclusive
// queue does.

// bind adds a subscriber's filter to the group's bindings. Caller holds t.mu.
func (g *group) bind(f driver.Filter) {
	if g.t.b.cfg.Like != LikeRabbitMQ || g.bindAll {
		return
	}
	if f == nil {
		g.bindAll = true
		g.bindings = nil
		return
	}
	for _, b := range g.bindings {
		if b.String() == f.String() {
			return
		}
	}
	g.bindings = append(g.bindings, f)
}

// routable refuses, with CodeUnroutable, a send of which some message
// would reach no group (like=rabbitmq only). Filters are matched outside
// the topic's lock: a slow filter never holds up other publishers.
func (t *topic) routable(op string, msgs []*driver.Message) error {
	if t.b.cfg.Like != LikeRabbitMQ {
		return nil
	}
	t.mu.Lock()
	var filters []driver.Filter
	for _, g := range t.glist {
		if g.bindAll {
			t.mu.Unlock()
			return nil
		}
		filters = append(filters, g.bindings...)
	}
	t.mu.Unlock()
	if len(filters) == 0 {
		return driver.Errorf(driver.CodeUnroutable, op, "topic %q has no group to route to (like=rabbitmq: subscribe, or Client.Declare the topic's groups, before publishing)", t.name)
	}
next:
	for _, m := range msgs {
		for _, f := range filters {
			if f.Match(m.Tag) {
				continue next
			}
		}
		return driver.Errorf(driver.CodeUnroutable, op, "topic %q: no group's filter takes tag %.64q (like=rabbitmq)", t.name, m.Tag)
	}
	return nil
}
