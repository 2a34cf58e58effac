package kafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/kafka"
	"github.com/unimq/unimq/mq"
)

// Each class of publish failure has the code that tells the caller what to
// do: nothing here is ErrUnavailable ("retrying can succeed").
func TestPublishFailureCodes(t *testing.T) {
	c := open(t)
	big := open(t, mq.MaxMessageSize(4<<20)) // above the broker's message.max.bytes
	topic := newTopic(t, c, "kafka-codes", 1)
	for _, tc := range []struct {
		name   string
		client *mq.Client
		topic  string
		msg    *mq.Message
		opts   []mq.Option
		want   error
	}{
		{"over the declared limit", c, topic, &mq.Message{Body: make([]byte, 2<<20)}, nil, mq.ErrTooLarge},
		{"over the broker's limit, MaxMessageSize raised", big, topic, &mq.Message{Body: make([]byte, 2<<20)}, nil, mq.ErrTooLarge},
		{"topic with a character Kafka forbids", c, "bad/topic", &mq.Message{Body: []byte("x")}, nil, mq.ErrInvalidArgument},
		{"topic not valid UTF-8", c, "bad\xfftopic", &mq.Message{Body: []byte("x")}, nil, mq.ErrInvalidArgument},
		{"topic over 249 bytes", c, strings.Repeat("t", 250), &mq.Message{Body: []byte("x")}, nil, mq.ErrInvalidArgument},
		{"topic named ..", c, "..", &mq.Message{Body: []byte("x")}, nil, mq.ErrInvalidArgument},
		{"partition the topic lacks", c, topic, &mq.Message{Body: []byte("x")}, []mq.Option{kafka.WithPartition(7)}, mq.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := tc.client.Publish(ctx, tc.topic, tc.msg, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v (code %v), want %v", err, mq.CodeOf(err), tc.want)
			}
		})
	}
}
