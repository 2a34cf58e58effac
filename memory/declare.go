package memory

import (
	"context"

	"github.com/unimq/unimq/mq/driver"
)

// Declare creates topic (its name checked against the broker's rule) and,
// for each of groups, the group's read position at the end of every
// partition, as if a subscriber of the group had joined and left: what is
// published after Declare returns is kept for the group until it consumes
// it, whatever start position its first subscriber asks for (the group
// exists, so it resumes). Groups that exist are left as they are. With
// like=rabbitmq a declared group takes every tag (its queue is bound by
// "#"), so publishing to the topic is routable. Declare is idempotent.
func (c *conn) Declare(ctx context.Context, topic string, groups []string) error {
	const op = "declare"
	if c.isClosed.Load() {
		return c.closedErr(op)
	}
	for _, g := range groups {
		if g == "" {
			return driver.Errorf(driver.CodeInvalidArgument, op, "empty group")
		}
	}
	if err := ctx.Err(); err != nil {
		return &driver.Error{Code: driver.CodeOf(err), Op: op, Err: err}
	}
	t, err := c.b.namedTopic(op, topic)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return driver.Errorf(driver.CodeClosed, op, "broker discarded")
	}
	for _, name := range groups {
		g := t.groups[name]
		if g == nil {
			g = newGroup(t, name, false, driver.StartPosition{Kind: driver.StartNewest})
			t.groups[name] = g
			t.glist = append(t.glist, g)
		}
		g.bind(nil)
	}
	return nil
}
