package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"

	"github.com/unimq/unimq/mq/driver"
)

// With TLS 1.3 the broker checks the client certificate (or its absence)
// after the client finished its handshake: a refused certificate shows as an
// alert on the first read, or, when the broker's close wins the race with
// amqp091's first write, as a bare connection reset, EOF, "use of closed
// network connection" or "connection is not open", which say nothing. So
// when a TLS connection fails after its TCP connect (not a timeout), diagnose
// once: a TLS 1.2 handshake (where the certificate is checked inside the
// handshake) to the same address; an alert there (other than a version
// mismatch) is the broker refusing the certificate: CodeInvalidOption. Only
// failures pay for it.
func (c *config) diagnoseTLS(ctx context.Context, addr, label string, t *tls.Config, err error) error {
	if t == nil {
		return nil
	}
	// Not for a broker that cannot be reached (the TCP dial failed) or did
	// not answer in time: the diagnosis would only repeat that.
	var oe *net.OpError
	var ne net.Error
	if (errors.As(err, &oe) && oe.Op == "dial") || (errors.As(err, &ne) && ne.Timeout()) {
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
	return &driver.Error{Code: driver.CodeInvalidOption, Op: "connect",
		Msg: label + ": the server refused the TLS client certificate", Err: herr}
}
