package rabbitmq

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// node is one broker address of a multi-node URL
// (amqp://user:pass@h1:5672,h2:5673/vhost): amqp091 dials one address, so
// the adapter keeps the list and gives amqp091 one node's URL at a time.
type node struct {
	amqpURL string // the URL with this node as its only host, without query
	addr    string // host:port dialed
	host    string // host name, the TLS server name by default
}

// splitNodes returns the comma-separated host[:port] entries of an URL host.
func splitNodes(host string) []string { return strings.Split(host, ",") }

// parseNodes makes the node list of u (already checked by checkShape).
func parseNodes(u *url.URL) ([]node, error) {
	hosts := splitNodes(u.Host)
	out := make([]node, 0, len(hosts))
	for _, h := range hosts {
		one := *u
		one.Host = h
		one.RawQuery = ""
		one.Fragment = ""
		raw := one.String()
		uri, err := amqp.ParseURI(raw)
		if err != nil {
			// amqp091's message may quote the URL: never echo it.
			return nil, driver.Errorf(driver.CodeInvalidOption, "open", "malformed AMQP URL (amqp091 refuses it)")
		}
		out = append(out, node{amqpURL: raw, addr: net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port)), host: uri.Host})
	}
	return out, nil
}

// dialAny dials the nodes in turn, starting at start, until one opens, and
// returns the connection and that node's index. Each node gets the whole
// connect_timeout. Of the failures, the one returned is the first that
// retrying cannot fix (CodeInvalidOption: credentials, vhost, TLS), else the
// last; with several nodes, it names the nodes tried (never the
// credentials).
func (c *config) dialAny(ctx context.Context, suffix string, start int) (*amqp.Connection, int, error) {
	n := len(c.nodes)
	var last, final error
	for i := range n {
		idx := (start + i) % n
		conn, err := c.dialNode(ctx, suffix, idx)
		if err == nil {
			return conn, idx, nil
		}
		last = err
		if final == nil && driver.CodeOf(err) == driver.CodeInvalidOption {
			final = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if final != nil {
		return nil, 0, final
	}
	return nil, 0, last
}

// nodeLabel names node idx in errors and logs: the redacted URL for a single
// node, plus the node's address for a list.
func (c *config) nodeLabel(idx int) string {
	if len(c.nodes) == 1 {
		return c.redacted
	}
	return c.redacted + " (node " + strconv.Itoa(idx+1) + " of " + strconv.Itoa(len(c.nodes)) + ", " + c.nodes[idx].addr + ")"
}
