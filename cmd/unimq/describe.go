package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/IBM/sarama"
	rmq "github.com/apache/rocketmq-client-go/v2"
	rmqadmin "github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// errUnknownTopic is a topic the broker does not have.
var errUnknownTopic = errors.New("no such topic")

// topicInfo is what `topics describe` tells of a topic: its partitions or
// queues, with positions where the backend reports them, and its groups.
type topicInfo struct {
	Topic   string      `json:"topic"`
	Backend string      `json:"backend"`
	Kind    string      `json:"kind"`               // partitioned topic, exchange or queue
	Parts   []partInfo  `json:"parts,omitempty"`    // partitions (Kafka, memory), queues (RocketMQ)
	Depth   int64       `json:"messages,omitempty"` // messages held, where the backend counts them (-1: unknown)
	Groups  []groupInfo `json:"groups,omitempty"`
}

// partInfo is one partition or queue; Oldest/Newest are -1 where unknown.
type partInfo struct {
	ID     int32  `json:"id"`
	Broker string `json:"broker,omitempty"`
	Oldest int64  `json:"oldest"`
	Newest int64  `json:"newest"`
}

// groupInfo is a group's backlog: messages not settled yet (-1: unknown).
type groupInfo struct {
	Name      string `json:"name"`
	Queue     string `json:"queue,omitempty"`
	Backlog   int64  `json:"backlog"`
	Consumers int    `json:"consumers"`
}

// describeTopic asks the broker behind c about topic (and the named
// groups, where the backend keeps something per group that it can count).
// A backend it cannot ask fails with mq.ErrUnsupported.
func describeTopic(ctx context.Context, c *mq.Client, rawURL, topic string, groups []string) (*topicInfo, error) {
	info := &topicInfo{Topic: topic, Backend: c.Capabilities().Backend, Depth: -1}
	var (
		b   *memory.Broker
		sc  sarama.Client
		ac  *amqp.Connection
		prd rmq.Producer
	)
	var err error
	switch {
	case c.As(&b):
		err = describeMemory(b, info, groups)
	case c.As(&sc):
		err = describeKafka(ctx, c, sc, info)
	case c.As(&ac):
		err = describeRabbitMQ(ac, info, groups)
	case c.As(&prd):
		err = describeRocketMQ(ctx, rawURL, info)
	default:
		err = driver.Errorf(driver.CodeUnsupported, "", "cannot tell its topics' partitions or queues")
	}
	if err == nil {
		err = groupBacklogs(ctx, c, info, groups)
	}
	if err != nil {
		return nil, describeErr(info.Backend, topic, err)
	}
	return info, nil
}

// groupBacklogs fills in the backlog (Client.Backlog) of each named group,
// adding the ones the backend did not describe, or, with no group named, of
// the groups the backend listed. A backend that cannot tell leaves -1.
func groupBacklogs(ctx context.Context, c *mq.Client, info *topicInfo, groups []string) error {
	for _, g := range groups {
		found := false
		for _, gi := range info.Groups {
			found = found || gi.Name == g
		}
		if !found {
			info.Groups = append(info.Groups, groupInfo{Name: g, Backlog: -1, Consumers: -1})
		}
	}
	for i := range info.Groups {
		gi := &info.Groups[i]
		if gi.Backlog >= 0 {
			continue // the backend's own answer (RabbitMQ's queue of the simple and worker modes)
		}
		n, err := c.Backlog(ctx, info.Topic, gi.Name)
		switch {
		case err == nil:
			gi.Backlog = n
		case errors.Is(err, mq.ErrUnsupported):
		default:
			return fmt.Errorf("group %s: %w", gi.Name, err)
		}
	}
	return nil
}

// describeErr is an error of describe in mq's form, "unimq <backend>
// describe: <code>: <detail>", whether a client library, an adapter or
// describe made it.
func describeErr(backend, topic string, err error) error {
	code := driver.CodeOf(err)
	switch {
	case errors.Is(err, errUnknownTopic):
		code = driver.CodeNotFound
	case code == driver.CodeUnknown:
		code = driver.CodeUnavailable
	}
	return driver.Stamp(backend, "describe", driver.Errorf(code, "", "topic %s: %w", topic, err))
}

func describeMemory(b *memory.Broker, info *topicInfo, groups []string) error {
	found := false
	for _, t := range b.Topics() {
		found = found || t == info.Topic
	}
	if !found {
		return errUnknownTopic
	}
	info.Kind = "partitioned"
	for i := 0; i < b.Config().Partitions; i++ {
		info.Parts = append(info.Parts, partInfo{ID: int32(i), Oldest: -1, Newest: -1})
	}
	info.Depth = int64(b.Len(info.Topic))
	if len(groups) == 0 {
		groups = b.Groups(info.Topic)
	}
	for _, g := range groups {
		info.Groups = append(info.Groups, groupInfo{Name: g, Backlog: -1, Consumers: -1})
	}
	return nil
}

// describeKafka reads each partition's oldest and newest offsets and
// leader.
func describeKafka(ctx context.Context, c *mq.Client, sc sarama.Client, info *topicInfo) error {
	ids, err := kafka.Partitions(ctx, c, info.Topic)
	if err != nil {
		return err
	}
	info.Kind = "partitioned"
	info.Depth = 0
	for _, id := range ids {
		p := partInfo{ID: id, Oldest: -1, Newest: -1}
		if off, err := sc.GetOffset(info.Topic, id, sarama.OffsetOldest); err == nil {
			p.Oldest = off
		}
		if off, err := sc.GetOffset(info.Topic, id, sarama.OffsetNewest); err == nil {
			p.Newest = off
		}
		if leader, err := sc.Leader(info.Topic, id); err == nil {
			p.Broker = leader.Addr()
		}
		if p.Oldest >= 0 && p.Newest >= p.Oldest && info.Depth >= 0 {
			info.Depth += p.Newest - p.Oldest
		} else {
			info.Depth = -1
		}
		info.Parts = append(info.Parts, p)
	}
	return nil
}

// describeRabbitMQ looks the topic up passively: a queue of that name (the
// simple and worker modes), else an exchange with one queue per group named
// <topic>.<group> (docs/rabbitmq.md). A failed passive declare closes its
// channel, so each look gets a channel of its own.
func describeRabbitMQ(ac *amqp.Connection, info *topicInfo, groups []string) error {
	passive := func(f func(ch *amqp.Channel) error) error {
		ch, err := ac.Channel()
		if err != nil {
			return err
		}
		defer func() { _ = ch.Close() }()
		return f(ch)
	}
	queue := func(name string) (amqp.Queue, error) {
		var q amqp.Queue
		err := passive(func(ch *amqp.Channel) (err error) {
			q, err = ch.QueueDeclarePassive(name, true, false, false, false, nil)
			return err
		})
		return q, err
	}
	notFound := func(err error) bool {
		var ae *amqp.Error
		return errors.As(err, &ae) && ae.Code == amqp.NotFound
	}
	if q, err := queue(info.Topic); err == nil {
		info.Kind = "queue"
		info.Depth = int64(q.Messages)
		info.Groups = append(info.Groups, groupInfo{Name: "(the topic's queue)", Queue: q.Name, Backlog: int64(q.Messages), Consumers: q.Consumers})
		return nil
	} else if !notFound(err) {
		return err
	}
	err := passive(func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(info.Topic, amqp.ExchangeTopic, true, false, false, false, nil)
	})
	if notFound(err) {
		return errUnknownTopic
	}
	if err != nil {
		return err
	}
	info.Kind = "exchange"
	for _, g := range groups {
		gi := groupInfo{Name: g, Queue: info.Topic + "." + g, Backlog: -1, Consumers: -1}
		q, err := queue(gi.Queue)
		switch {
		case err == nil:
			gi.Consumers = q.Consumers // the backlog is Client.Backlog's
		case !notFound(err):
			return err
		}
		info.Groups = append(info.Groups, gi)
	}
	return nil
}

// describeRocketMQ asks the name servers for the topic's route (the
// writable queues per broker) with the client's admin API.
func describeRocketMQ(ctx context.Context, rawURL string, info *topicInfo) error {
	opts, err := rocketMQAdminOptions(rawURL)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	adm, err := rmqadmin.NewAdmin(opts...)
	if err != nil {
		return err
	}
	defer func() { _ = adm.Close() }()
	qs, err := adm.FetchPublishMessageQueues(ctx, info.Topic)
	if err != nil {
		return fmt.Errorf("%w (%v)", errUnknownTopic, err)
	}
	info.Kind = "queues"
	for _, q := range qs {
		info.Parts = append(info.Parts, partInfo{ID: int32(q.QueueId), Broker: q.BrokerName, Oldest: -1, Newest: -1})
	}
	return nil
}

// rocketMQAdminOptions are the name servers, credentials and namespace of
// a rocketmq:// URL that mq.Open accepted (so its form is known good).
func rocketMQAdminOptions(rawURL string) ([]rmqadmin.AdminOption, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("unparsable rocketmq URL") // never echo it: it may hold a secret
	}
	var addrs []string
	for _, a := range strings.FieldsFunc(u.Host, func(r rune) bool { return r == ';' || r == ',' }) {
		if !strings.Contains(a, ":") || (strings.HasPrefix(a, "[") && strings.HasSuffix(a, "]")) {
			a += ":9876"
		}
		addrs = append(addrs, a)
	}
	q := u.Query()
	cred := primitive.Credentials{AccessKey: q.Get("access_key"), SecretKey: q.Get("secret_key"), SecurityToken: q.Get("security_token")}
	if u.User != nil {
		cred.AccessKey = u.User.Username()
		cred.SecretKey, _ = u.User.Password()
	}
	opts := []rmqadmin.AdminOption{rmqadmin.WithResolver(primitive.NewPassthroughResolver(addrs))}
	if cred.AccessKey != "" {
		opts = append(opts, rmqadmin.WithCredentials(cred))
	}
	if ns := q.Get("namespace"); ns != "" {
		opts = append(opts, rmqadmin.WithNamespace(ns))
	}
	return opts, nil
}
