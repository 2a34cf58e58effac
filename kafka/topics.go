package kafka

import (
	"context"
	"errors"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// ensureTopic checks topic against Kafka's name rule (driver.KafkaTopics:
// ErrInvalidArgument at once, instead of a broker error that reads as
// "retry") and creates it (with the URL's partitions and replication) the
// first time the adapter uses it, when create_topics is on (the default;
// broker auto-creation is then not relied on). Known topics cost one map
// lookup.
func (c *conn) ensureTopic(ctx context.Context, topic string) error {
	if _, ok := c.topics.Load(topic); ok {
		return nil
	}
	if err := driver.KafkaTopics.Check("publish", "topic", topic); err != nil {
		return err
	}
	if !c.set.createTopics {
		c.topics.Store(topic, struct{}{}) // valid; the broker's to create
		return nil
	}
	if err := createTopic(ctx, c.client, c.admin, topic, c.set.partitions, c.set.replication); err != nil {
		return err
	}
	c.topics.Store(topic, struct{}{})
	return nil
}

// createTopic creates topic unless it exists, then waits (bounded by ctx)
// until the client's metadata shows its partitions with leaders.
func createTopic(ctx context.Context, client sarama.Client, admin sarama.ClusterAdmin, topic string, partitions int32, replication int16) error {
	const op = "create topic"
	err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: replication}, false)
	var te *sarama.TopicError
	if errors.Is(err, sarama.ErrTopicAlreadyExists) || (errors.As(err, &te) && errors.Is(te.Err, sarama.ErrTopicAlreadyExists)) {
		err = nil
	}
	if err != nil {
		// not allowed to create (ACLs) or a bad request: fine if it exists
		if ps, perr := client.Partitions(topic); perr == nil && len(ps) > 0 {
			return nil
		}
		if errors.Is(err, sarama.ErrInvalidTopic) || errors.Is(err, sarama.ErrInvalidPartitions) || errors.Is(err, sarama.ErrInvalidReplicationFactor) ||
			(te != nil && (errors.Is(te.Err, sarama.ErrInvalidTopic) || errors.Is(te.Err, sarama.ErrInvalidPartitions) || errors.Is(te.Err, sarama.ErrInvalidReplicationFactor))) {
			return driver.Errorf(driver.CodeInvalidArgument, op, "topic %q: %w", topic, err)
		}
		return driver.Errorf(driver.CodeUnavailable, op, "topic %q: %w", topic, err)
	}
	for {
		if err := client.RefreshMetadata(topic); err == nil {
			if ps, err := client.Partitions(topic); err == nil && len(ps) > 0 {
				ready := true
				for _, p := range ps {
					if _, err := client.Leader(topic, p); err != nil {
						ready = false
						break
					}
				}
				if ready {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return driver.Errorf(driver.CodeOf(ctx.Err()), op, "topic %q not ready: %w", topic, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CreateTopic creates topic with the given partition count and replication
// factor (0: the broker's default) on the Kafka cluster behind c, unless it
// exists, and returns once its partitions have leaders (bounded by ctx). c
// must have been opened with a kafka:// URL.
func CreateTopic(ctx context.Context, c *mq.Client, topic string, partitions int32, replication int16) error {
	return driver.Stamp(backend, "create topic", createTopicOf(ctx, c, topic, partitions, replication))
}

func createTopicOf(ctx context.Context, c *mq.Client, topic string, partitions int32, replication int16) error {
	var client sarama.Client
	var admin sarama.ClusterAdmin
	if !c.As(&client) || !c.As(&admin) {
		return driver.Errorf(driver.CodeUnsupported, "create topic", "client is not a kafka client")
	}
	if partitions <= 0 {
		partitions = -1
	}
	if replication <= 0 {
		replication = -1
	}
	return createTopic(ctx, client, admin, topic, partitions, replication)
}

// Partitions returns the partition ids of topic as the cluster's metadata
// reports them now.
func Partitions(ctx context.Context, c *mq.Client, topic string) ([]int32, error) {
	ps, err := partitionsOf(ctx, c, topic)
	return ps, driver.Stamp(backend, "partitions", err)
}

func partitionsOf(ctx context.Context, c *mq.Client, topic string) ([]int32, error) {
	var client sarama.Client
	if !c.As(&client) {
		return nil, driver.Errorf(driver.CodeUnsupported, "partitions", "client is not a kafka client")
	}
	if err := ctx.Err(); err != nil {
		return nil, driver.Wrap(driver.CodeOf(err), "partitions", err)
	}
	if err := client.RefreshMetadata(topic); err != nil {
		return nil, driver.Errorf(driver.CodeNotFound, "partitions", "topic %q: %w", topic, err)
	}
	ps, err := client.Partitions(topic)
	if err != nil {
		return nil, driver.Errorf(driver.CodeNotFound, "partitions", "topic %q: %w", topic, err)
	}
	return ps, nil
}
