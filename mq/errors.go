package mq

import "github.com/unimq/unimq/mq/driver"

// Error is the error type of every unimq call; see driver.Error. Match errors
// by code with errors.Is against the sentinels below:
//
//	if errors.Is(err, mq.ErrUnsupported) { ... }
type Error = driver.Error

// Code classifies an Error.
type Code = driver.Code

// Sentinel errors, usable with errors.Is.
var (
	ErrClosed          = driver.ErrClosed          // use after Close
	ErrUnsupported     = driver.ErrUnsupported     // the backend lacks the feature; nothing was sent
	ErrInvalidArgument = driver.ErrInvalidArgument // empty topic, nil handler, bad expression...
	ErrInvalidOption   = driver.ErrInvalidOption   // bad option or URL parameter, unknown scheme
	ErrNotFound        = driver.ErrNotFound        // topic, group or message does not exist
	ErrTooLarge        = driver.ErrTooLarge        // message over the size limit
	ErrTimeout         = driver.ErrTimeout         // a deadline passed
	ErrCanceled        = driver.ErrCanceled        // the context was canceled
	ErrUnavailable     = driver.ErrUnavailable     // broker unreachable; retryable
	ErrUnroutable      = driver.ErrUnroutable      // accepted but routed nowhere (RabbitMQ mandatory)
	ErrFull            = driver.ErrFull            // backpressure: destination full
	ErrTxUnknown       = driver.ErrTxUnknown       // transaction outcome left to check-back
	ErrTxRolledBack    = driver.ErrTxRolledBack    // transaction rolled back
	ErrRejected        = driver.ErrRejected        // the broker refused the message
)

// CodeOf returns the code of err (CodeCanceled / CodeTimeout for context errors).
func CodeOf(err error) Code { return driver.CodeOf(err) }

// ctxErr turns a context error into a coded one.
func ctxErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: driver.CodeOf(err), Op: op, Err: err}
}

func invalid(op, format string, args ...any) error {
	return driver.Errorf(driver.CodeInvalidArgument, op, format, args...)
}

// permanent marks a handler error that must not be retried.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// NoRetry wraps a handler error so the message is dead-lettered at once
// instead of being retried (a poison message that can never succeed).
func NoRetry(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}
