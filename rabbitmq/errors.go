package rabbitmq

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"

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
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
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
	return &driver.Error{Code: code, Op: op, Err: err}
}

// dialErr codes a failed connection attempt. What retrying cannot fix is
// CodeInvalidOption, like a failed Kafka authentication: credentials the
// broker refuses, a vhost that does not exist or is not allowed, no common
// SASL mechanism, a server certificate that does not verify, a TLS
// handshake the server refuses (e.g. no or untrusted client certificate).
// The rest (refused, unreachable, timed out, lost) is CodeUnavailable.
func dialErr(redacted string, err error) error {
	code, why := dialCode(err)
	return &driver.Error{Code: code, Op: "connect", Msg: redacted + why, Err: err}
}

func dialCode(err error) (driver.Code, string) {
	var (
		ae       *amqp.Error
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		alert    tls.AlertError
		recErr   tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return driver.CodeOf(err), ""
	case errors.Is(err, amqp.ErrCredentials):
		return driver.CodeInvalidOption, ": the broker refused the user name or password"
	case errors.Is(err, amqp.ErrVhost):
		return driver.CodeInvalidOption, ": the vhost does not exist or this user may not use it"
	case errors.Is(err, amqp.ErrSASL):
		return driver.CodeInvalidOption, ": no SASL mechanism in common with the broker"
	case errors.As(err, &ae) && ae.Code == amqp.AccessRefused:
		return driver.CodeInvalidOption, ": access refused"
	case errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return driver.CodeInvalidOption, ": the server's TLS certificate does not verify"
	case errors.As(err, &alert), isRemoteAlert(err):
		return driver.CodeInvalidOption, ": the server refused the TLS handshake (client certificate missing or not trusted?)"
	case errors.As(err, &recErr):
		return driver.CodeInvalidOption, ": the server does not speak TLS (amqps:// to a plain AMQP port?)"
	case errors.As(err, &ae):
		// amqp091 turns a failed TLS handshake into a FRAME_ERROR whose
		// reason is crypto/tls's message: the error types are gone.
		switch r := ae.Reason; {
		case strings.Contains(r, "remote error: tls:"):
			return driver.CodeInvalidOption, ": the server refused the TLS handshake (client certificate missing or not trusted?)"
		case strings.Contains(r, "x509:"), strings.Contains(r, "tls: failed to verify"):
			return driver.CodeInvalidOption, ": the server's TLS certificate does not verify"
		case strings.Contains(r, "tls: first record does not look like a TLS handshake"):
			return driver.CodeInvalidOption, ": the server does not speak TLS (amqps:// to a plain AMQP port?)"
		}
	}
	return driver.CodeUnavailable, ""
}

// isRemoteAlert reports a TLS alert the server sent (crypto/tls reports it
// as a *net.OpError "remote error" around an unexported alert type).
func isRemoteAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}
