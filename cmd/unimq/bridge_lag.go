package main

import (
	"context"
	"time"

	"github.com/unimq/unimq/mq"
)

// lagEvery bounds how often the bridge asks the source for its lag, however
// often progress is reported.
const lagEvery = time.Second

// lagTimeout bounds one question.
const lagTimeout = 2 * time.Second

// lagMeter tells how many source messages the bridge's group has not
// acknowledged yet, where the source can tell (topics describe's group
// backlog: Kafka from committed offsets, RabbitMQ from the group's queue,
// memory from the group, RocketMQ from the brokers' offsets; a backend that
// tells nothing per group is asked once). It is used by
// the progress goroutine alone.
type lagMeter struct {
	src         *mq.Client
	url, topic  string
	group       string
	unsupported bool
	last        int64 // -1: unknown
	at          time.Time
}

func newLagMeter(src *mq.Client, url, topic, group string) *lagMeter {
	return &lagMeter{src: src, url: url, topic: topic, group: group, last: -1}
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
	info, err := describeTopic(ctx, l.src, l.url, l.topic, []string{l.group})
	switch {
	case err != nil:
		l.last = -1 // a transient failure: ask again next time
	case len(info.Groups) == 0:
		l.unsupported = true // the backend tells nothing per group
		l.last = -1
	default:
		l.last = info.Groups[0].Backlog
	}
	return l.last
}
