package rocketmq

import (
	"context"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// The producer of rocketmq-client-go v2.1.2 fetches a topic's route on the
// first send and stores the topic's queues before the broker addresses: a
// send that comes in between (another goroutine's first send to the same
// topic) fails at once with "route info not found", without sending and
// without retrying. The route exists (ensureTopic saw it at the name
// server), so the adapter sends again, after a short wait, until the
// producer knows it, bounded by ctx and route_wait.

// routeMissing reports the client's "route info not found" send error,
// returned before anything is sent.
func routeMissing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "route info not found")
}

// untilRouted calls send until it does not fail for a missing route.
func (c *conn) untilRouted(ctx context.Context, send func() error) error {
	err := send()
	if !routeMissing(err) {
		return err
	}
	deadline := time.Now().Add(c.cfg.routeWait)
	for d := 5 * time.Millisecond; routeMissing(err) && time.Now().Before(deadline); d = min(2*d, 200*time.Millisecond) {
		if werr := wait(ctx, d); werr != nil {
			return err // classified with ctx by the caller
		}
		err = send()
	}
	return err
}

// sendSync is the producer's SendSync, waiting for the route on a first send.
func (c *conn) sendSync(ctx context.Context, pms ...*primitive.Message) (*primitive.SendResult, error) {
	var res *primitive.SendResult
	err := c.untilRouted(ctx, func() (err error) {
		res, err = c.prod.SendSync(ctx, pms...)
		return err
	})
	return res, err
}

// sendOneWay is the producer's SendOneWay, waiting for the route on a first send.
func (c *conn) sendOneWay(ctx context.Context, pm *primitive.Message) error {
	return c.untilRouted(ctx, func() error { return c.prod.SendOneWay(ctx, pm) })
}
