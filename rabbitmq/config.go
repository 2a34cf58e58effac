package rabbitmq

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

const backendName = "rabbitmq"

// config is what the URL and the Open options say.
type config struct {
	nodes          []node // the URL's hosts, dialed in turn
	redacted       string
	mode           Mode
	heartbeat      time.Duration
	connectTimeout time.Duration
	name           string
	channels       int
	tls            *tls.Config
	queueType      QueueType
	deliveryLimit  int         // x-delivery-limit of quorum queues (0: none)
	alo            atomic.Bool // the broker dead-letters quorum queues at least once (3.10+)
}

// parseURL reads an amqp:// or amqps:// URL. Parameters:
//
//	mode=topic|simple|worker|fanout|direct  default mode of every topic (topic)
//	heartbeat=10s                           AMQP heartbeat
//	connect_timeout=10s                     TCP connect + TLS + AMQP handshake bound
//	connection_name=unimq                   shown in the management UI ("-pub"/"-sub" appended)
//	channels=8                              publishing channels per client (the pool)
//	queue_type=classic|quorum               type of the queues unimq declares (classic)
//	delivery_limit=16                       quorum queues: x-delivery-limit (0: none)
//	tls_ca=/path/ca.pem                     amqps: CA bundle to trust
//	tls_cert=/path/c.pem&tls_key=/path/k.pem amqps: client certificate
//	tls_server_name=host                    amqps: name to verify (default: the URL host)
//	tls_insecure=false                      amqps: skip verification (tests only)
//
// The host may be a comma-separated list of nodes of one cluster
// (h1:5672,h2:5673): dial tries them in turn. The URL must be exactly well
// formed (checkShape); ctx bounds the reading of the tls_* files.
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
	qt := p.String("queue_type", "classic")
	c.deliveryLimit = p.Int("delivery_limit", mq.DefaultMaxAttempts)
	tlsp := kit.ReadTLSParams(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if c.channels < 1 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter channels=%d: want at least 1", c.channels)
	}
	switch t, ok := parseQueueType(qt); {
	case ok:
		c.queueType = t
	case qt == "stream":
		return nil, driver.Errorf(driver.CodeUnsupported, "open", "URL parameter queue_type=stream: streams are not supported yet (classic or quorum)")
	default:
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter queue_type=%q: want classic or quorum", qt)
	}
	if c.deliveryLimit < 0 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter delivery_limit=%d: want 0 (none) or more", c.deliveryLimit)
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
		c.tls = t // ServerName "": each node's host (dialNode)
	} else if tlsp.Any() {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "tls_* parameters need an amqps:// URL")
	}
	nodes, err := parseNodes(u)
	if err != nil {
		return nil, err
	}
	c.nodes = nodes
	return c, nil
}

// dialNode opens one AMQP connection named suffix to node idx; ctx bounds
// the TCP connect, connectTimeout the whole handshake.
func (c *config) dialNode(ctx context.Context, suffix string, idx int) (*amqp.Connection, error) {
	nd := c.nodes[idx]
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
		if cfg.TLSClientConfig.ServerName == "" {
			cfg.TLSClientConfig.ServerName = nd.host
		}
	}
	conn, err := amqp.DialConfig(nd.amqpURL, cfg)
	if err != nil {
		label := c.nodeLabel(idx)
		err = dialErr(label, err)
		if driver.CodeOf(err) == driver.CodeUnavailable && c.tls != nil {
			if diag := c.diagnoseTLS(ctx, nd.addr, label, cfg.TLSClientConfig, err); diag != nil {
				return nil, diag
			}
		}
		return nil, err
	}
	if v, ok := conn.Properties["version"].(string); ok {
		c.alo.Store(supportsAtLeastOnce(v))
	}
	return conn, nil
}
