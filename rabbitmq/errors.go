package rabbitmq

import (
	"context"
	"errors"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// classify maps an amqp091 error to a coded error for op.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *driver.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Backend: backendName, Err: err}
	}
	code := driver.CodeUnavailable
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.NotFound:
			code = driver.CodeNotFound
		case amqp.PreconditionFailed:
			code = driver.CodeInvalidOption
		case amqp.AccessRefused, amqp.ResourceLocked:
			code = driver.CodeInvalidArgument
		case amqp.FrameError, amqp.SyntaxError, amqp.CommandInvalid:
			code = driver.CodeInvalidArgument
		}
	}
	return &driver.Error{Code: code, Op: op, Backend: backendName, Err: err}
}

// errf is driver.Errorf with the backend set.
func errf(c driver.Code, op, format string, args ...any) *driver.Error {
	e := driver.Errorf(c, op, format, args...)
	e.Backend = backendName
	return e
}
