package rocketmq

import (
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

const backend = "rocketmq"

// Option is an option of the rocketmq adapter. Pass it with
// mq.DriverOption(...), at Open (credentials, producer group) or per
// Publish (DelayLevel). Other backends ignore it.
type Option interface {
	driver.Option
	rocketmq()
}

type delayLevelOpt int

func (delayLevelOpt) Backend() string { return backend }
func (delayLevelOpt) rocketmq()       {}

// DelayLevel sends the message with the broker's delay level n (1..18:
// 1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h), as
// primitive.Message.WithDelayTimeLevel does. Give it to Publish:
//
//	client.Publish(ctx, "orders", m, mq.DriverOption(rocketmq.DelayLevel(3)))
//
// It wins over the message's Delay/DeliverAt. A level outside 1..18 makes
// the publish fail with ErrInvalidOption.
func DelayLevel(n int) Option { return delayLevelOpt(n) }

type credentialsOpt primitive.Credentials

func (credentialsOpt) Backend() string { return backend }
func (credentialsOpt) rocketmq()       {}

// WithCredentials sets the ACL access key and secret key (Open), instead of
// the URL's access_key / secret_key parameters. They are never logged.
func WithCredentials(accessKey, secretKey string) Option {
	return credentialsOpt{AccessKey: accessKey, SecretKey: secretKey}
}

type producerGroupOpt string

func (producerGroupOpt) Backend() string { return backend }
func (producerGroupOpt) rocketmq()       {}

// ProducerGroup sets the producer group (Open), instead of the URL's group
// parameter. Transactions are checked back per producer group.
func ProducerGroup(name string) Option { return producerGroupOpt(name) }
