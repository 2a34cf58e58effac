package rabbitmq

import "github.com/unimq/unimq/mq/driver"

var _ driver.LinkWatcher = (*subscription)(nil)

// WatchLink (driver.LinkWatcher; mq.Subscriber.State) is told when the
// subscription's consumer channel is lost (connection lost, channel
// closed, consumer canceled by the broker) and when it consumes again.
func (s *subscription) WatchLink(f func(error)) { s.link.Store(&f) }

// tell reports the link's state to WatchLink's function, unless closing.
func (s *subscription) tell(err error) {
	if f := s.link.Load(); f != nil && s.ctx.Err() == nil {
		(*f)(err)
	}
}
