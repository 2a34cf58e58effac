package mq

import "errors"

// IsNoRetry reports whether err, or an error it wraps, was made by NoRetry:
// a Subscriber dead-letters such a message at once instead of retrying it.
// Middleware that records outcomes (metrics, deduplication) uses it to tell
// a permanent failure from one that will be retried.
func IsNoRetry(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
