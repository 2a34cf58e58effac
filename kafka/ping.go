package kafka

import (
	"context"
	"errors"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.Pinger = (*conn)(nil)

// Ping (mq.Client.Ping) sends a Metadata request for one topic name that
// is never created (auto-creation off in the request) to a broker of the
// cluster and waits for its answer: a round trip on the client's broker
// connection, never sarama's cached metadata. Connected brokers are asked
// first; a broker whose connection dropped is redialled (sarama's
// dial_timeout). Ping returns nil on the first answer, an error matching
// mq.ErrUnavailable when no broker answered (refused, reset, no broker
// known), and ctx's error when ctx ends first.
//
// Docs line (docs/kafka.md): `Client.Ping`: a Metadata request (one unknown
// topic, no auto-creation) to a connected broker, other brokers tried in
// turn; fails with ErrUnavailable when none answers, bounded by ctx.
func (c *conn) Ping(ctx context.Context) error {
	const op = "ping"
	if c.isClosed() {
		return closedErr(op)
	}
	if err := ctx.Err(); err != nil {
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	// sarama takes no ctx: the round trip runs on its own goroutine, which
	// ends when the broker answers, its connection fails (dial_timeout /
	// sarama's read timeout), or Close closes the client's brokers.
	res := make(chan error, 1)
	go func() { res <- c.pingBrokers(ctx) }()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op,
			Msg: "no answer from a Kafka broker", Err: ctx.Err()}
	}
}

// pingTopic is asked for by Ping: the broker answers UNKNOWN_TOPIC_OR_PARTITION
// for it, which is an answer all the same; nothing is created.
const pingTopic = "__unimq_ping"

func (c *conn) pingBrokers(ctx context.Context) error {
	const op = "ping"
	brokers := c.client.Brokers()
	if len(brokers) == 0 {
		return &driver.Error{Code: driver.CodeUnavailable, Op: op, Msg: "no Kafka broker known"}
	}
	// Connected brokers first: a dead one costs a dial.
	ordered := make([]*sarama.Broker, 0, len(brokers))
	var idle []*sarama.Broker
	for _, b := range brokers {
		if ok, _ := b.Connected(); ok {
			ordered = append(ordered, b)
		} else {
			idle = append(idle, b)
		}
	}
	ordered = append(ordered, idle...)
	conf := c.client.Config()
	var errs []error
	for _, b := range ordered {
		if ctx.Err() != nil {
			break
		}
		if ok, _ := b.Connected(); !ok {
			if err := b.Open(conf); err != nil && !errors.Is(err, sarama.ErrAlreadyConnected) {
				errs = append(errs, err)
				continue
			}
		}
		req := sarama.NewMetadataRequest(conf.Version, []string{pingTopic})
		req.AllowAutoTopicCreation = false
		if _, err := b.GetMetadata(req); err != nil {
			errs = append(errs, err)
			continue
		}
		return nil
	}
	return &driver.Error{Code: driver.CodeUnavailable, Op: op, Msg: "no Kafka broker answered",
		Err: errors.Join(errs...)}
}
