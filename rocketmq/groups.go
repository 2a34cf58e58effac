package rocketmq

import (
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// A unimq group is scoped to its topic (memory, Kafka and RabbitMQ: group G
// of topic A and group G of topic B are unrelated), while a RocketMQ consumer
// group is broker-wide: it has one subscription table and one %RETRY% topic
// for all its topics, and two consumers of one group that subscribe to
// different topics steal each other's queues and drop each other's messages
// ("the consume callback missing for topic"). So by default the adapter
// consumes group G of topic T as the RocketMQ consumer group
//
//	G|T                      ('.', ':' and '/' in G become '_')
//
// ('|' is valid in RocketMQ group names and appears in neither a portable
// group nor a portable topic, so different (G, T) never share a group). When
// "%RETRY%" + G|T would exceed the broker's 127-byte topic limit (with the
// namespace prefix, if any), the name is cut to fit and ends with "|" and 16
// hex digits of FNV-1a 64 of the full G|T. A Java or other consumer joins the
// same group by using that name.
//
// ExactGroup (or the URL's group_names=exact) uses G itself, for interop
// with consumers that already use a group name. A RocketMQ group can then
// consume one topic only: a second subscription of the same group to
// another topic in this process is refused with CodeInvalidArgument (other
// processes cannot be checked; keep one topic per group there too).

type exactGroupOpt struct{}

func (exactGroupOpt) Backend() string { return backend }

// WithExactGroup makes a subscription use its mq.Group (default "default")
// as the RocketMQ consumer group name unchanged, instead of the per-topic
// name "<group>|<topic>" the adapter uses by default (see docs/rocketmq.md)
// (Subscribe, Consumer; Open: for every subscription):
//
//	client.Subscribe(ctx, "orders", h, mq.Group("billing"), rocketmq.WithExactGroup())
//
// One such group can consume one topic: subscribing it to a second topic
// while the first subscription is open fails with ErrInvalidArgument.
func WithExactGroup() mq.Option {
	return mq.AdapterOption("rocketmq.WithExactGroup", mq.ScopeOpen|mq.ScopeSubscribe|mq.ScopeConsumer, exactGroupOpt{})
}

// maxTopicLen is the broker's limit for topic names, which bounds the
// group through its retry topic "%RETRY%<group>".
const maxTopicLen = 127

var groupChars = strings.NewReplacer(".", "_", ":", "_", "/", "_")

// rocketGroup returns the RocketMQ consumer group for cfg (without the
// namespace prefix, which the client adds).
func (c *conn) rocketGroup(cfg *driver.SubscriptionConfig) (string, bool, error) {
	const op = "subscribe"
	g := cfg.Group
	if g == "" {
		g = "default"
	}
	exact := c.cfg.exactGroups
	for _, o := range cfg.Options {
		if _, ok := o.(exactGroupOpt); ok {
			exact = true
		}
	}
	g = groupChars.Replace(g)
	// '|' separates group and topic, '%' a namespace (RocketMQ tools read
	// "x%y" as group y of namespace x): both only in exact names.
	if !validGroup.MatchString(g) || strings.ContainsAny(g, "|%") && !exact {
		return "", exact, driver.Errorf(driver.CodeInvalidArgument, op, "RocketMQ group %q: want letters, digits, '_' or '-'", cfg.Group)
	}
	limit := maxTopicLen - len("%RETRY%")
	if c.cfg.namespace != "" {
		limit -= len(c.cfg.namespace) + 1
	}
	if exact {
		if len(g) > limit {
			return "", exact, driver.Errorf(driver.CodeInvalidArgument, op, "RocketMQ group %q: at most %d bytes (its retry topic must fit the broker's topic limit)", cfg.Group, limit)
		}
		return g, exact, nil
	}
	scoped := g + "|" + cfg.Topic
	if len(scoped) > limit {
		h := fnv.New64a()
		_, _ = h.Write([]byte(scoped))
		sum := fmt.Sprintf("|%016x", h.Sum64())
		scoped = scoped[:limit-len(sum)] + sum
	}
	return scoped, exact, nil
}

// groupUse is what one RocketMQ group consumes in this process.
type groupUse struct {
	topic string
	n     int
}

// groupsInUse maps the RocketMQ groups (with name servers and namespace) of
// this process's open subscriptions to their topic.
var (
	groupsMu    sync.Mutex
	groupsInUse = map[string]*groupUse{}
)

// claimGroup records that group consumes topic; a group already consuming
// another topic in this process is refused, since RocketMQ would split the
// messages of both topics between the two subscriptions and lose some.
func (c *conn) claimGroup(group, topic string, exact bool) (release func(), err error) {
	key := strings.Join(c.cfg.nameServers, ";") + "\x00" + c.cfg.namespace + "\x00" + group
	groupsMu.Lock()
	defer groupsMu.Unlock()
	u := groupsInUse[key]
	if u != nil && u.topic != topic {
		hint := ""
		if exact {
			hint = "; without rocketmq.ExactGroup each topic gets a group of its own"
		}
		return nil, driver.Errorf(driver.CodeInvalidArgument, "subscribe",
			"RocketMQ consumer group %q already consumes topic %q in this process and cannot also consume %q (a RocketMQ group has one subscription table; the messages of both topics would be split and lost)%s",
			group, u.topic, topic, hint)
	}
	if u == nil {
		u = &groupUse{topic: topic}
		groupsInUse[key] = u
	}
	u.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			groupsMu.Lock()
			defer groupsMu.Unlock()
			if u.n--; u.n == 0 {
				delete(groupsInUse, key)
			}
		})
	}, nil
}
