package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// With TLS 1.3 the broker checks the client certificate (or its absence)
// after the client finished its handshake: a refused certificate shows as an
// alert on the first read, or, when the broker's close wins the race with
// amqp091's first write, as a bare connection reset, EOF or "connection is
// not open", which says nothing. So when a TLS connection fails that way, diagnose
// once: a TLS 1.2 handshake (where the certificate is checked inside the
// handshake) to the same address; an alert there (other than a version
// mismatch) is the broker refusing the certificate: CodeInvalidOption. Only
// failures pay for it.
func (c *config) diagnoseTLS(ctx context.Context, addr string, err error) error {
	t := c.tls
	if t == nil {
		return nil
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EPIPE) &&
		!errors.Is(err, amqp.ErrClosed) && !strings.Contains(err.Error(), "connection reset") &&
		!strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "broken pipe") {
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, c.connectTimeout)
	defer cancel()
	var d net.Dialer
	nc, derr := d.DialContext(dctx, "tcp", addr)
	if derr != nil {
		return nil
	}
	defer nc.Close()
	cfg := t.Clone()
	cfg.MaxVersion = tls.VersionTLS12
	herr := tls.Client(nc, cfg).HandshakeContext(dctx)
	if herr == nil || !isRemoteAlert(herr) || strings.Contains(herr.Error(), "protocol version") {
		return nil
	}
	return &driver.Error{Code: driver.CodeInvalidOption, Op: "connect", Backend: backendName,
		Msg: c.redacted + ": the server refused the TLS client certificate", Err: herr}
}
