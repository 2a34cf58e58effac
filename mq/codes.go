package mq

import "github.com/unimq/unimq/mq/driver"

// Error codes (Error.Code, CodeOf). The sentinels ErrClosed... carry them;
// compare an error with errors.Is against a sentinel, or its CodeOf with a
// code (a switch over several).
const (
	CodeUnknown         = driver.CodeUnknown         // not classified
	CodeClosed          = driver.CodeClosed          // use after Close
	CodeUnsupported     = driver.CodeUnsupported     // the backend lacks the feature; nothing was sent
	CodeInvalidArgument = driver.CodeInvalidArgument // empty topic, nil handler, bad expression...
	CodeInvalidOption   = driver.CodeInvalidOption   // bad option or URL parameter, unknown scheme
	CodeNotFound        = driver.CodeNotFound        // topic, group or message does not exist
	CodeTooLarge        = driver.CodeTooLarge        // message over the size limit
	CodeTimeout         = driver.CodeTimeout         // a deadline passed
	CodeCanceled        = driver.CodeCanceled        // the context was canceled
	CodeUnavailable     = driver.CodeUnavailable     // broker unreachable; retryable
	CodeUnroutable      = driver.CodeUnroutable      // accepted but routed nowhere (RabbitMQ mandatory)
	CodeFull            = driver.CodeFull            // backpressure: destination full
	CodeTxUnknown       = driver.CodeTxUnknown       // transaction outcome left to check-back
	CodeTxRolledBack    = driver.CodeTxRolledBack    // transaction rolled back
	CodeRejected        = driver.CodeRejected        // the broker refused the message
)
