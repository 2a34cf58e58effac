package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error. Codes are stable: compare them with errors.Is
// against the sentinels below (or mq's re-exports of them).
type Code int

// Error codes.
const (
	CodeUnknown         Code = iota // not classified
	CodeClosed                      // the client, subscription or consumer was closed
	CodeUnsupported                 // the backend lacks the feature; nothing was sent
	CodeInvalidArgument             // a bad argument: empty topic, nil handler, bad expression
	CodeInvalidOption               // a bad option or URL parameter
	CodeNotFound                    // topic, group or message does not exist
	CodeTooLarge                    // message over the size limit
	CodeTimeout                     // a deadline passed (handler timeout, confirm timeout)
	CodeCanceled                    // the context was canceled
	CodeUnavailable                 // broker unreachable or connection lost; retryable
	CodeUnroutable                  // the broker accepted the message but routed it nowhere
	CodeFull                        // backpressure: the destination is full
	CodeTxUnknown                   // transaction outcome left to the broker's check-back
	CodeTxRolledBack                // transaction rolled back
	CodeRejected                    // the broker refused the message (send status not OK, nack)
)

var codeNames = [...]string{
	CodeUnknown:         "unknown",
	CodeClosed:          "closed",
	CodeUnsupported:     "unsupported",
	CodeInvalidArgument: "invalid argument",
	CodeInvalidOption:   "invalid option",
	CodeNotFound:        "not found",
	CodeTooLarge:        "too large",
	CodeTimeout:         "timeout",
	CodeCanceled:        "canceled",
	CodeUnavailable:     "unavailable",
	CodeUnroutable:      "unroutable",
	CodeFull:            "full",
	CodeTxUnknown:       "transaction unknown",
	CodeTxRolledBack:    "transaction rolled back",
	CodeRejected:        "rejected",
}

func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// Error is the error type of unimq. Op names the operation ("publish",
// "subscribe", "open"...), Backend the adapter ("kafka"...), Err the cause.
// Two *Error values match under errors.Is when their codes are equal, so the
// sentinels below work as targets whatever the message.
//
// Drivers classify (Code, Msg, Err) and leave Op and Backend to Stamp: mq
// stamps every error leaving its API, so a user reads one form,
//
//	unimq <backend> <op>: <code>: <detail>
type Error struct {
	Code    Code
	Op      string
	Backend string
	Msg     string
	Err     error
}

func (e *Error) Error() string {
	s := "unimq"
	if e.Backend != "" {
		s += " " + e.Backend
	}
	if e.Op != "" {
		s += " " + e.Op
	}
	s += ": " + e.Code.String()
	if d := e.detail(); d != "" {
		s += ": " + d
	}
	return s
}

// detail is the message after the code: Msg, then the cause. A cause that is
// an *Error itself shows its detail only (its code too when it differs), and
// the backend's name as a prefix inside the cause's text ("kafka: ...", as
// sarama writes) is dropped: nothing is said twice.
func (e *Error) detail() string {
	d := e.Msg
	if e.Err == nil {
		return d
	}
	var c string
	if in, ok := e.Err.(*Error); ok {
		c = in.detail()
		if in.Code != e.Code {
			c = join(in.Code.String(), c)
		}
	} else {
		c = e.Err.Error()
		if e.Backend != "" {
			// sarama writes "kafka: ..." into its errors, at any depth
			p := e.Backend + ": "
			c = strings.ReplaceAll(strings.TrimPrefix(c, p), ": "+p, ": ")
		}
	}
	return join(d, c)
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// Detail returns err's text without the "unimq <backend> <op>: <code>"
// prefix of an *Error: for a message that quotes another error.
func Detail(err error) string {
	if e, ok := err.(*Error); ok {
		return e.detail()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// Stamp is the one place an error gets its Op and Backend: mq calls it on
// every error its API returns (and an adapter on the errors of its own
// exported functions). A nil err gives nil. An *Error keeps its code,
// message and cause under op and backend (the driver's Op is replaced, and a
// cause that is an *Error itself is folded into the message, so the chain
// holds one *Error); any other err is classified by CodeOf (context errors:
// CodeCanceled, CodeTimeout; anything else CodeUnknown) and becomes the
// cause. An error already stamped for op and backend is returned as is.
func Stamp(backend, op string, err error) error {
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok {
		return &Error{Code: CodeOf(err), Op: op, Backend: backend, Err: err}
	}
	if _, nested := e.Err.(*Error); !nested && e.Op == op && e.Backend == backend {
		return e
	}
	s := &Error{Code: e.Code, Op: op, Backend: backend, Msg: e.Msg, Err: e.Err}
	for {
		in, ok := s.Err.(*Error)
		if !ok {
			return s
		}
		d := in.Msg
		if in.Code != s.Code {
			d = join(in.Code.String(), d)
		}
		s.Msg, s.Err = join(s.Msg, d), in.Err
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Op == "" && t.Msg == "" && t.Err == nil
}

// Sentinels: use them as errors.Is targets.
var (
	ErrClosed          = &Error{Code: CodeClosed}
	ErrUnsupported     = &Error{Code: CodeUnsupported}
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument}
	ErrInvalidOption   = &Error{Code: CodeInvalidOption}
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrTooLarge        = &Error{Code: CodeTooLarge}
	ErrTimeout         = &Error{Code: CodeTimeout}
	ErrCanceled        = &Error{Code: CodeCanceled}
	ErrUnavailable     = &Error{Code: CodeUnavailable}
	ErrUnroutable      = &Error{Code: CodeUnroutable}
	ErrFull            = &Error{Code: CodeFull}
	ErrTxUnknown       = &Error{Code: CodeTxUnknown}
	ErrTxRolledBack    = &Error{Code: CodeTxRolledBack}
	ErrRejected        = &Error{Code: CodeRejected}
)

// Errorf builds an *Error with code c and a formatted message. A %w verb in
// format becomes the cause. An argument that is an *Error is quoted by its
// detail, and the cause is then its cause: the result is one *Error, with
// code c, that says nothing twice.
func Errorf(c Code, op, format string, args ...any) *Error {
	for i, a := range args {
		if in, ok := a.(*Error); ok {
			args = append([]any(nil), args...)
			args[i] = quoted{in, c}
		}
	}
	err := fmt.Errorf(format, args...)
	e := &Error{Code: c, Op: op}
	if u := errors.Unwrap(err); u != nil {
		e.Err = err
	} else {
		e.Msg = err.Error()
	}
	return e
}

// quoted is an *Error inside another's message: its detail (and its code
// when it differs from the outer one), unwrapping to its cause.
type quoted struct {
	e     *Error
	outer Code
}

func (q quoted) Error() string {
	if q.e.Code != q.outer {
		return join(q.e.Code.String(), q.e.detail())
	}
	return q.e.detail()
}

func (q quoted) Unwrap() error { return q.e.Err }

// Wrap classifies err under code c for operation op. A nil err gives nil. An
// err that already is an *Error is returned as is (errors are wrapped once).
func Wrap(c Code, op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: c, Op: op, Err: err}
}

// CodeOf returns the code of err: the code of the first *Error in its chain,
// CodeCanceled/CodeTimeout for context errors, else CodeUnknown.
func CodeOf(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return CodeUnknown
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeUnknown
}
