package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

const backendName = "rabbitmq"

// config is what the URL and the Open options say.
type config struct {
	amqpURL        string // the URL without its query, for amqp091
	addr           string // host:port amqp091 dials
	redacted       string
	mode           Mode
	heartbeat      time.Duration
	connectTimeout time.Duration
	name           string
	channels       int
	tls            *tls.Config
}

// parseURL reads an amqp:// or amqps:// URL. Parameters:
//
//	mode=topic|simple|worker|fanout|direct  default mode of every topic (topic)
//	heartbeat=10s                           AMQP heartbeat
//	connect_timeout=10s                     TCP connect + TLS + AMQP handshake bound
//	connection_name=unimq                   shown in the management UI ("-pub"/"-sub" appended)
//	channels=8                              publishing channels per client (the pool)
//	tls_ca=/path/ca.pem                     amqps: CA bundle to trust
//	tls_cert=/path/c.pem&tls_key=/path/k.pem amqps: client certificate
//	tls_server_name=host                    amqps: name to verify (default: the URL host)
//	tls_insecure=false                      amqps: skip verification (tests only)
//
// The URL must be exactly well formed (checkShape); ctx bounds the reading
// of the tls_* files.
func parseURL(ctx context.Context, u *url.URL) (*config, error) {
	if err := checkShape(u); err != nil {
		return nil, err
	}
	p := kit.NewParams(backendName, u.Query())
	c := &config{redacted: kit.Redact(u)}
	mode := p.Enum("mode", "topic", modeNames[:]...)
	c.mode, _ = parseMode(mode)
	c.heartbeat = p.Duration("heartbeat", 10*time.Second)
	c.connectTimeout = p.Duration("connect_timeout", 10*time.Second)
	c.name = p.String("connection_name", "unimq")
	c.channels = p.Int("channels", 8)
	tlsp := kit.ReadTLSParams(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if c.channels < 1 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter channels=%d: want at least 1", c.channels)
	}
	if c.connectTimeout == 0 {
		c.connectTimeout = 10 * time.Second
	}
	if u.Scheme == "amqps" {
		t, err := tlsp.Config(ctx)
		if err != nil {
			var de *driver.Error
			if errors.As(err, &de) {
				de.Backend = backendName
			}
			return nil, err
		}
		if t.ServerName == "" {
			t.ServerName = u.Hostname()
		}
		c.tls = t
	} else if tlsp.Any() {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "tls_* parameters need an amqps:// URL")
	}
	bare := *u
	bare.RawQuery = ""
	bare.Fragment = ""
	c.amqpURL = bare.String()
	uri, err := amqp.ParseURI(c.amqpURL)
	if err != nil {
		// amqp091's message may quote the URL: never echo it.
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "malformed AMQP URL (amqp091 refuses it)")
	}
	c.addr = net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))
	return c, nil
}

// dial opens one AMQP connection named suffix; ctx bounds the TCP connect,
// connectTimeout the whole handshake.
func (c *config) dial(ctx context.Context, suffix string) (*amqp.Connection, error) {
	d := net.Dialer{Timeout: c.connectTimeout}
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(c.name + "-" + suffix)
	cfg := amqp.Config{
		Heartbeat:  c.heartbeat,
		Properties: props,
		Locale:     "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Cleared by amqp091 once the AMQP handshake completed.
			if err := nc.SetDeadline(time.Now().Add(c.connectTimeout)); err != nil {
				_ = nc.Close()
				return nil, err
			}
			return nc, nil
		},
	}
	if c.tls != nil {
		cfg.TLSClientConfig = c.tls.Clone()
	}
	conn, err := amqp.DialConfig(c.amqpURL, cfg)
	if err != nil {
		err = dialErr(c.redacted, err)
		if driver.CodeOf(err) == driver.CodeUnavailable && c.tls != nil {
			if diag := c.diagnoseTLS(ctx, c.addr, err); diag != nil {
				return nil, diag
			}
		}
		return nil, err
	}
	return conn, nil
}
