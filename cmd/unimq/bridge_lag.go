package main

import (
	"context"
	"errors"
	"time"

	"github.com/unimq/unimq/mq"
)

// lagEvery bounds how often the bridge asks the source for its lag, however
// often progress is reported.
const lagEvery = time.Second

// lagTimeout bounds one question.
const lagTimeout = 2 * time.Second

// lagMeter tells how many source messages the bridge's group has not
// acknowledged yet (mq.Subscriber.Backlog: Kafka from committed offsets,
// RabbitMQ from the group's queue, memory from the group, RocketMQ from the
// brokers' offsets; a backend that cannot tell is asked once). It is used
// by the progress goroutine alone.
type lagMeter struct {
	backlog     func(context.Context) (int64, error)
	unsupported bool
	last        int64 // -1: unknown
	at          time.Time
}

func newLagMeter(backlog func(context.Context) (int64, error)) *lagMeter {
	return &lagMeter{backlog: backlog, last: -1}
}

// lag returns the last known lag (-1 when unknown), asking the source again
// when the last answer is older than lagEvery.
func (l *lagMeter) lag(now time.Time) int64 {
	if l.unsupported || now.Sub(l.at) < lagEvery {
		return l.last
	}
	l.at = now
	ctx, cancel := context.WithTimeout(context.Background(), lagTimeout)
	defer cancel()
	n, err := l.backlog(ctx)
	switch {
	case errors.Is(err, mq.ErrUnsupported):
		l.unsupported = true
		l.last = -1
	case err != nil:
		l.last = -1 // a transient failure: ask again next time
	default:
		l.last = n
	}
	return l.last
}
