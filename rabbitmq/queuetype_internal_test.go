package rabbitmq

import (
	"context"
	"errors"
	"net/url"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
)

func TestQueueTypeParams(t *testing.T) {
	ctx := context.Background()
	for raw, want := range map[string]QueueType{
		"amqp://h/":                                 Classic,
		"amqp://h/?queue_type=classic":              Classic,
		"amqp://h/?queue_type=quorum":               Quorum,
		"amqp://h/?delivery_limit=0":                Classic,
		"amqp://h1:5672,h2:5673/?queue_type=quorum": Quorum,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		c, err := parseURL(ctx, u)
		require.NoError(t, err, raw)
		require.Equal(t, want, c.queueType, raw)
	}
	for raw, code := range map[string]driver.Code{
		"amqp://h/?queue_type=stream":   driver.CodeUnsupported,
		"amqp://h/?queue_type=mirrored": driver.CodeInvalidOption,
		"amqp://h/?delivery_limit=-1":   driver.CodeInvalidOption,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		_, err = parseURL(ctx, u)
		require.Equal(t, code, driver.CodeOf(err), "%s: %v", raw, err)
	}
}

func TestNodeList(t *testing.T) {
	// net/url checks the port after the last ':' only: "h1:5672,h3" does
	// not parse, so every node of a list with ports has its port.
	u, err := url.Parse("amqp://admin:hunter2@h1:5672,h2:5673,h3:5674/prod?queue_type=quorum")
	require.NoError(t, err)
	c, err := parseURL(context.Background(), u)
	require.NoError(t, err)
	require.Len(t, c.nodes, 3)
	for i, want := range []string{"h1:5672", "h2:5673", "h3:5674"} {
		require.Equal(t, want, c.nodes[i].addr)
		uri, err := amqp.ParseURI(c.nodes[i].amqpURL)
		require.NoError(t, err)
		require.Equal(t, "prod", uri.Vhost)
		require.Equal(t, "hunter2", uri.Password)
		require.NotContains(t, c.nodeLabel(i), "hunter2")
		require.Contains(t, c.nodeLabel(i), want)
	}
	require.NotContains(t, c.redacted, "hunter2")
	u, err = url.Parse("amqps://admin:hunter2@h1,h2/")
	require.NoError(t, err)
	c, err = parseURL(context.Background(), u)
	require.NoError(t, err)
	require.Equal(t, []string{"h1:5671", "h2:5671"}, []string{c.nodes[0].addr, c.nodes[1].addr})
	require.Empty(t, c.tls.ServerName, "each node is verified under its own name")
	for _, raw := range []string{
		"amqp://admin:hunter2@h1:5672,,h2:5673/",
		"amqp://admin:hunter2@h1:5672,h2:0/",
		"amqp://admin:hunter2@h1:5672,:5673/",
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err, raw)
		_, err = parseURL(context.Background(), u)
		require.Equal(t, driver.CodeInvalidOption, driver.CodeOf(err), raw)
		require.NotContains(t, err.Error(), "hunter2")
	}
}

func TestSupportsAtLeastOnce(t *testing.T) {
	for v, want := range map[string]bool{
		"3.10.0": true, "3.10.25": true, "3.13.7": true, "4.0.5": true,
		"3.9.29": false, "3.8": false, "": false, "x.y": false,
	} {
		require.Equal(t, want, supportsAtLeastOnce(v), v)
	}
}

func TestQuorumArgs(t *testing.T) {
	require.Nil(t, Classic.queueArgs("q", 16, true))
	a := Quorum.queueArgs("q", 16, true)
	require.Equal(t, amqp.Table{
		"x-queue-type": "quorum", "x-delivery-limit": int64(16),
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q.dlq",
		"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
	}, a)
	require.Equal(t, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int64(3),
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "q.dlq"}, Quorum.queueArgs("q", 3, false),
		"before 3.10: at-most-once dead-lettering")
	require.Equal(t, amqp.Table{"x-queue-type": "quorum"}, Quorum.queueArgs("q", 0, true))
	require.Equal(t, Quorum, Quorum.hopType(true))
	require.Equal(t, Classic, Quorum.hopType(false))
	require.Equal(t, Classic, Classic.hopType(true))
}

func TestConflictNamesTheArgument(t *testing.T) {
	reason := "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'orders.billing' in vhost '/': received none but current is the value 'quorum' of type 'longstr'"
	err := conflictErr("orders.billing", &amqp.Error{Code: amqp.PreconditionFailed, Reason: reason})
	require.Equal(t, driver.CodeInvalidOption, driver.CodeOf(err))
	for _, want := range []string{`"orders.billing"`, "x-queue-type", "'quorum'", "declares none", "WithExistingQueue"} {
		require.Contains(t, err.Error(), want)
	}
	var ae *amqp.Error
	require.True(t, errors.As(err, &ae), "wraps the broker's error")
	err = conflictErr("q", &amqp.Error{Code: amqp.PreconditionFailed, Reason: "PRECONDITION_FAILED - something else"})
	require.Equal(t, driver.CodeInvalidOption, driver.CodeOf(err))
	require.Contains(t, err.Error(), "other arguments")
}
