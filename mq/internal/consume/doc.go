// Package consume is the consumption engine behind mq.Subscriber and
// mq.Consumer: it receives from a driver.Subscription, runs a handler on
// workers (or per-key lanes for ordered subscriptions), settles each message
// by the retry / dead-letter policy, batches acknowledgements, and drains on
// Close. Its input is a driver.Subscription, a handler and a Policy; it
// knows nothing of mq's public types (the handler's message type is a type
// parameter), so mq keeps the public API and adapts.
//
// Blocking: New starts the engine's goroutines and returns at once; Close
// blocks until the receive loop, every worker and lane, and the acker have
// ended (or its ctx is done, then handler contexts are canceled and what did
// not finish is left unsettled), then closes the subscription. Every
// goroutine the engine starts ends by the time Close returns with a nil
// error, or once the handlers still running return after a ctx-bounded
// Close gave up.
//
// Concurrency: Close, ChunkSize and Closing are safe for concurrent use;
// the handler (or, in batch mode, the batch handler: batch.go) runs on up
// to Policy.Concurrency goroutines at once. Settler methods and
// RecordHandlerCtx are safe for concurrent use. The tuning constants and
// the prefetch negotiation are in tuning.go; how the handler's ctx reaches
// the Settled callback is in handlerctx.go.
package consume
