package rocketmq

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// Admin functions take the *mq.Client that mq.Open returned for a
// rocketmq:// URL; another client is an ErrUnsupported. They are safe to
// call concurrently with everything else on the client.

// connOf returns the adapter's connection behind c.
func connOf(c *mq.Client, op string) (*conn, error) {
	var rc *conn
	if c == nil || !c.As(&rc) {
		return nil, driver.Errorf(driver.CodeUnsupported, op, "client is not a rocketmq client")
	}
	return rc, nil
}

// CreateTopic creates topic with queues queues (0: the URL's queues) on
// every broker (if it does not exist yet) and waits until its route is
// published, so that producers and consumers started afterwards find it at
// once. Subscribe and the first Publish to a topic do this by themselves
// unless the URL says create_topics=false; call it for topics whose queue
// count matters.
func CreateTopic(ctx context.Context, c *mq.Client, topic string, queues int) error {
	rc, err := connOf(c, "create topic")
	if err != nil {
		return err
	}
	if queues < 1 {
		queues = rc.cfg.queues
	}
	return rc.ensureTopic(ctx, "create topic", topic, queues)
}

// QueryByKey returns up to max messages of topic stored between from and to
// whose Key (the KEYS property) is key, from the brokers' message index, as
// RocketMQ's "query by business key". The Go client has no query API; this
// asks every master broker of the topic directly (QUERY_MESSAGE). Without
// ACL signing: with credentials on a broker that enforces ACL it fails.
func QueryByKey(ctx context.Context, c *mq.Client, topic, key string, max int, from, to time.Time) ([]*mq.Message, error) {
	rc, err := connOf(c, "query")
	if err != nil {
		return nil, err
	}
	return rc.query(ctx, topic, key, false, max, from, to)
}

// QueryByID returns the message of topic whose BrokerID (the msgId, the
// UNIQ_KEY property) is id, stored between from and to; retried messages
// keep their id, so more than one copy may come back.
func QueryByID(ctx context.Context, c *mq.Client, topic, id string, from, to time.Time) ([]*mq.Message, error) {
	rc, err := connOf(c, "query")
	if err != nil {
		return nil, err
	}
	return rc.query(ctx, topic, id, true, 32, from, to)
}
