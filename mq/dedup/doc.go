// Package dedup is a handler middleware for idempotent handling: a message
// whose key (by default its ID) was already processed successfully is
// acknowledged without running the handler again.
//
//	seen := dedup.NewMemoryStore(100_000, 24*time.Hour)
//	sub, err := c.Subscribe(ctx, "orders", handle, mq.Group("billing"),
//		mq.WithMiddleware(dedup.Middleware(seen)))
//
// At-least-once delivery means a message can arrive twice: a producer that
// retried a publish whose confirmation was lost, a redelivery after a crash
// between the handler's return and the acknowledgement, a replay after a
// rebalance. The middleware records a key in its Store after the handler
// returned nil, and skips (acknowledges) later messages with that key. A
// message the handler failed is not recorded, so its retries run; neither
// is one without a key (an empty ID), which always runs.
//
// # Which store
//
// MemoryStore remembers keys in this process only, at most its capacity,
// each for its TTL. It is enough when duplicates come back to the same
// process: a producer's retried publish to an Ordered or single-member
// subscription, a handler error followed by a duplicate, RabbitMQ's
// requeue to the same consumer. It is not enough when the duplicate goes to
// another member of the group: after a rebalance (Kafka, RocketMQ), a
// crash or a restart of the process (the memory is gone), or on RabbitMQ
// and memory competing consumers, where any member can get the copy. Then
// use a Store shared by the group's members (a database table with a
// unique key, Redis SET NX with a TTL...): implement Store over it. A store
// serves one group: give each group its own store, or a Key function that
// puts the group in the key.
//
// # Concurrent duplicates
//
// Two messages with one key in flight at once in one middleware (the
// duplicate arrived while the first copy's handler still runs) do not both
// run: the second waits, bounded by its ctx, for the first to finish, then
// is skipped if the first succeeded, or runs if it failed. Across processes
// a Store's Seen and Mark are two steps, so two members may both run a
// duplicate that arrives at both at the same moment; a handler that must
// never run twice makes its effect idempotent itself (a unique key in the
// same database transaction).
//
// # Errors
//
// A Store error in Seen fails the attempt (the message is retried after
// backoff, as for a handler error): running the handler without knowing
// would break the promise. A Store error in Mark after the handler
// succeeded is passed to the OnMarkError function (default: none) and the
// message is acknowledged: its work is done, only a later duplicate could
// run again.
//
// # Blocking and concurrency
//
// The middleware and MemoryStore are safe for concurrent use and start no
// goroutine. The middleware blocks on Store calls and, for a concurrent
// duplicate, on the first copy's handler, both bounded by the handler's
// ctx; MemoryStore never blocks on anything but its mutex.
package dedup
