package rocketmq

import (
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq"
)

const backend = "rocketmq"

// Options of the rocketmq adapter are mq.Option values given with the
// portable ones, each accepted where its doc says (Open, Publish,
// Subscribe, Consumer); given elsewhere it is an ErrInvalidOption. Other
// backends ignore them.

type delayLevelOpt int

func (delayLevelOpt) Backend() string { return backend }

// WithDelayLevel sends the message with the broker's delay level n (1..18:
// 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h), as
// primitive.Message.WithDelayTimeLevel does (Publish):
//
//	client.Publish(ctx, "orders", m, rocketmq.WithDelayLevel(3))
//
// It wins over the message's Delay/DeliverAt. A level outside 1..18 makes
// the publish fail with ErrInvalidOption.
func WithDelayLevel(n int) mq.Option {
	return mq.AdapterOption("rocketmq.WithDelayLevel", mq.ScopePublish, delayLevelOpt(n))
}

type credentialsOpt primitive.Credentials

func (credentialsOpt) Backend() string { return backend }

// WithCredentials sets the ACL access key and secret key (Open), instead of
// the URL's access_key / secret_key parameters. They are never logged.
func WithCredentials(accessKey, secretKey string) mq.Option {
	return mq.AdapterOption("rocketmq.WithCredentials", mq.ScopeOpen, credentialsOpt{AccessKey: accessKey, SecretKey: secretKey})
}

type producerGroupOpt string

func (producerGroupOpt) Backend() string { return backend }

// WithProducerGroup sets the producer group (Open), instead of the URL's
// group parameter. Transactions are checked back per producer group.
func WithProducerGroup(name string) mq.Option {
	return mq.AdapterOption("rocketmq.WithProducerGroup", mq.ScopeOpen, producerGroupOpt(name))
}
