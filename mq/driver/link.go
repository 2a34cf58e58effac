package driver

// LinkWatcher is implemented by a Subscription whose client re-establishes
// a lost connection by itself, so that its Receive blocks through an outage
// instead of failing (RabbitMQ, Kafka's consumer group). mq calls WatchLink
// once, right after Subscribe, and Subscriber.State follows what f is told:
// the subscription calls f with an error of CodeUnavailable when it lost
// its connection to the broker, and with nil once it consumes again. f may
// be called from any goroutine, must not be called with a lock held that
// Receive or Close takes, and is not called after Close returns. What
// happened before WatchLink is not reported.
type LinkWatcher interface {
	WatchLink(f func(err error))
}
