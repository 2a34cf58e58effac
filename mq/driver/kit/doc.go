// Package kit is the toolkit of unimq adapters: the machinery every backend
// needs besides the driver interface itself (package driver), written once
// so that the adapters of this module, and a third-party backend, behave
// alike. It holds:
//
//   - Params: URL query parameters with typed accessors, defaults and one
//     error for an unknown or malformed parameter; Redact for printing a URL
//     without its secrets; TLSParams: the tls_* parameters and the
//     *tls.Config they make, reading PEM files bounded by ctx (ReadPEM).
//   - OffsetTracker: the committable offset of a partition when messages
//     are settled out of order.
//   - DeadLetterHeaders: the headers a dead letter carries
//     (driver.HeaderDeadReason...).
//   - Callbacks: SendAsync completions run in order on a goroutine of their
//     own; InFlight: the sends a Close waits for.
//   - Backoff (doubling with jitter) and Sleep (bounded by a ctx), for
//     reconnect and retry loops.
//   - FNV1a: the key hash that maps a message key onto a partition, queue or
//     channel.
//
// Nothing here starts a goroutine that outlives its owner: Callbacks' ends
// with Close (Wait waits for it). Every type documents what is safe
// concurrently.
package kit
