package kafka

import (
	"errors"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/mq/driver"
)

var _ driver.LinkWatcher = (*subscription)(nil)

// WatchLink (driver.LinkWatcher; mq.Subscriber.State) is told when the
// group member reading the topic loses its brokers (a session or a fetch
// that failed for want of a connection: not a Kafka error code such as a
// rebalance) and when a new session starts (its Setup). A broadcast
// subscription (no group) tells nothing.
func (s *subscription) WatchLink(f func(error)) { s.link.Store(&f) }

// linkErr tells the link is down when err is a connection failure.
func (s *subscription) linkErr(err error) {
	var kerr sarama.KError
	var cerr *sarama.ConsumerError
	if errors.As(err, &cerr) {
		err = cerr.Err
	}
	if err == nil || errors.As(err, &kerr) || errors.Is(err, sarama.ErrClosedConsumerGroup) {
		return
	}
	s.tell(driver.Errorf(driver.CodeUnavailable, "receive", "group %q: %w", s.cfg.Group, err))
}

// tell reports the link's state to WatchLink's function, unless closing.
func (s *subscription) tell(err error) {
	if f := s.link.Load(); f != nil && s.ctx.Err() == nil {
		(*f)(err)
	}
}
