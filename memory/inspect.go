package memory

import (
	"sort"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Topics returns the names of the broker's topics (created by a publish or
// a subscribe), sorted.
func (b *Broker) Topics() []string {
	ts := b.topicList()
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.name
	}
	return names
}

// Groups returns the consumer groups of topic, sorted (broadcast
// subscribers' private groups are not listed).
func (b *Broker) Groups(topic string) []string {
	t := b.existing(topic)
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var names []string
	for _, g := range t.glist {
		if !g.broadcast {
			names = append(names, g.name)
		}
	}
	sort.Strings(names)
	return names
}

// Backlog returns how many messages of topic group has not settled yet:
// not delivered, in flight, or waiting for redelivery. It is 0 for an
// unknown topic or group. Messages that have not become visible (delayed,
// uncommitted) do not count.
func (b *Broker) Backlog(topic, group string) int {
	t := b.existing(topic)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	if g == nil {
		return 0
	}
	return g.backlog()
}

// Len returns how many messages topic retains over all partitions.
func (b *Broker) Len(topic string) int {
	t := b.existing(topic)
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for i := range t.parts {
		n += t.parts[i].len()
	}
	return n
}

// Messages returns copies of the messages topic retains, ordered by
// publish time (partition and offset on ties), with their receipt fields
// (Topic, Partition, Offset, PublishTime, BrokerID; Attempt 0). Reading
// them consumes nothing: it is the way to inspect a dead-letter topic
// (DeadLetterTopic) in a test.
func (b *Broker) Messages(topic string) []*mq.Message {
	t := b.existing(topic)
	if t == nil {
		return nil
	}
	t.mu.Lock()
	var ms []*driver.Message
	for i := range t.parts {
		p := &t.parts[i]
		ms = append(ms, p.log[p.head:]...)
	}
	t.mu.Unlock()
	sort.SliceStable(ms, func(i, j int) bool {
		a, c := ms[i], ms[j]
		if !a.PublishTime.Equal(c.PublishTime) {
			return a.PublishTime.Before(c.PublishTime)
		}
		if a.Partition != c.Partition {
			return a.Partition < c.Partition
		}
		return a.Offset < c.Offset
	})
	out := make([]*mq.Message, len(ms))
	for i, m := range ms {
		var h map[string]string
		if m.Headers != nil {
			h = make(map[string]string, len(m.Headers))
			for k, v := range m.Headers {
				h[k] = v
			}
		}
		c := driver.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Headers: h, Body: append([]byte(nil), m.Body...),
			Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, PublishTime: m.PublishTime, BrokerID: m.BrokerID}
		out[i] = mq.MessageFrom(&c)
	}
	return out
}

// DeleteGroup forgets group of topic: its position, its unsettled messages
// and its hold on retention; a later Subscribe of that group starts anew
// (per its Start). It returns an error matching mq.ErrNotFound when there is
// no such group, and one matching mq.ErrInvalidArgument while the group has
// subscribers.
func (b *Broker) DeleteGroup(topic, group string) error {
	return driver.Stamp(Scheme, "delete group", b.deleteGroup(topic, group))
}

func (b *Broker) deleteGroup(topic, group string) error {
	t := b.existing(topic)
	if t == nil {
		return driver.Errorf(driver.CodeNotFound, "delete group", "no topic %q", topic)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groups[group]
	if g == nil || g.broadcast {
		return driver.Errorf(driver.CodeNotFound, "delete group", "no group %q on topic %q", group, topic)
	}
	if len(g.members) > 0 {
		return driver.Errorf(driver.CodeInvalidArgument, "delete group", "group %q of topic %q has %d active subscribers", group, topic, len(g.members))
	}
	t.deleteGroup(g)
	return nil
}
