package rabbitmq

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
)

// The codes of RabbitMQ's failure classes, pinned: what retrying cannot fix
// is never CodeUnavailable (which says "try again").
func TestFailureClassCodes(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name string
		err  error
		want driver.Code
	}{
		{"wrong user or password", amqp.ErrCredentials, driver.CodeInvalidOption},
		{"vhost missing or not allowed", amqp.ErrVhost, driver.CodeInvalidOption},
		{"no common SASL mechanism", amqp.ErrSASL, driver.CodeInvalidOption},
		{"access refused at open", &amqp.Error{Code: amqp.AccessRefused, Reason: "ACCESS_REFUSED"}, driver.CodeInvalidOption},
		{"untrusted server certificate", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, driver.CodeInvalidOption},
		{"server name mismatch", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}, driver.CodeInvalidOption},
		{"client certificate refused", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, driver.CodeInvalidOption},
		{"amqps to a plain port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, driver.CodeInvalidOption},
		{"client certificate refused, through amqp091", &amqp.Error{Code: amqp.FrameError, Reason: "remote error: tls: certificate required"}, driver.CodeInvalidOption},
		{"untrusted server, through amqp091", &amqp.Error{Code: amqp.FrameError, Reason: "tls: failed to verify certificate: x509: certificate signed by unknown authority"}, driver.CodeInvalidOption},
		{"amqps to a plain port, through amqp091", &amqp.Error{Code: amqp.FrameError, Reason: "tls: first record does not look like a TLS handshake"}, driver.CodeInvalidOption},
		{"connection refused", refused, driver.CodeUnavailable},
		{"connection lost, through amqp091", &amqp.Error{Code: amqp.FrameError, Reason: "EOF"}, driver.CodeUnavailable},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), driver.CodeUnavailable},
		{"handshake timed out", context.DeadlineExceeded, driver.CodeTimeout},
	} {
		got := driver.CodeOf(dialErr("amqp://u:xxxxx@h/", c.err))
		require.Equal(t, c.want, got, c.name)
	}
	for _, c := range []struct {
		name   string
		reason *amqp.Error
		want   driver.Code
	}{
		{"exchange deleted", &amqp.Error{Code: amqp.NotFound, Reason: "NOT_FOUND - no exchange"}, driver.CodeNotFound},
		{"no write permission", &amqp.Error{Code: amqp.AccessRefused, Reason: "ACCESS_REFUSED"}, driver.CodeInvalidOption},
		{"over max_message_size", &amqp.Error{Code: amqp.PreconditionFailed, Reason: "PRECONDITION_FAILED - message size 200 is larger than configured max size 100"}, driver.CodeTooLarge},
		{"connection lost", nil, driver.CodeUnavailable},
	} {
		require.Equal(t, c.want, driver.CodeOf(channelErr(c.reason)), c.name)
	}
	for _, c := range []struct {
		name string
		err  error
		want driver.Code
	}{
		{"queue or exchange with other arguments", &amqp.Error{Code: amqp.PreconditionFailed}, driver.CodeInvalidOption},
		{"missing object", &amqp.Error{Code: amqp.NotFound}, driver.CodeNotFound},
		{"exclusive queue of another connection", &amqp.Error{Code: amqp.ResourceLocked}, driver.CodeInvalidArgument},
		{"channel or connection closed", amqp.ErrClosed, driver.CodeUnavailable},
	} {
		require.Equal(t, c.want, driver.CodeOf(classify("declare", c.err)), c.name)
	}
}
