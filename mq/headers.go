package mq

import "github.com/unimq/unimq/mq/driver"

// Headers a dead letter carries besides the message's own (see
// DeadLetterTopic): read them with Message.Header on the dead-letter topic.
// Like every header starting with ReservedHeaderPrefix they cannot be set
// by Publish.
const (
	HeaderDeadReason   = driver.HeaderDeadReason   // why it was dead-lettered: the handler's error, the Nack's reason
	HeaderDeadTopic    = driver.HeaderDeadTopic    // the topic it was consumed from
	HeaderDeadGroup    = driver.HeaderDeadGroup    // the group that gave up on it
	HeaderDeadAttempts = driver.HeaderDeadAttempts // how many attempts were made, in decimal
)
