package rocketmq

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

// sendRetry writes the retry copy of m to the group's retry topic: due
// after delay (the timer property or a delay level, as for Publish), with
// RETRY_TOPIC naming the original topic (the client reports that topic on
// receipt) and the next attempt number in the unimq-attempt property (the
// broker's reconsume count stays 0 for copies, so fromExt reads both).
func (s *subscription) sendRetry(ctx context.Context, m *driver.Message, delay time.Duration) error {
	now := time.Now()
	cp := *m
	cp.DeliverAt = now.Add(delay)
	res, err := s.c.sendSync(ctx, s.retryCopy(&cp, m.Attempt+1, now))
	return checkResult(ctx, "nack", res, err)
}

// retryCopy builds the copy of m for the retry topic, due at m.DeliverAt,
// carrying attempt.
func (s *subscription) retryCopy(m *driver.Message, attempt int, now time.Time) *primitive.Message {
	h := make(map[string]string, len(m.Headers)+1)
	for k, v := range m.Headers {
		h[k] = v
	}
	h[driver.HeaderAttempt] = strconv.Itoa(attempt)
	cp := &driver.Message{ID: m.ID, Key: m.Key, Tag: m.Tag, Body: m.Body, Headers: h, Partition: -1, DeliverAt: m.DeliverAt}
	pm := s.c.build(s.retryTopic, cp, sendPlan{}, now)
	pm.WithProperty(primitive.PropertyRetryTopic, s.c.fullTopic(m.Topic))
	return pm
}

// handOverSenders is how many copies handOver writes at once (the broker
// refuses batch sends to retry topics, so each is one SendSync).
const handOverSenders = 8

// handOver runs in Close for concurrent clustering consumers: every message
// still unsettled in a callback (handler running or never started) is
// copied to the retry topic, due at once with its attempt number unchanged,
// and settled; the callbacks then return success. The offset then moves past
// every message delivered to this subscriber, so a message whose handler
// finished is not redelivered because a batch-mate (or an earlier message)
// was still unsettled; the unsettled ones come back once, through the retry
// topic. Copies are written by up to handOverSenders goroutines, all ended
// before it returns. A copy that cannot be written leaves its callback
// unsettled, and the message is redelivered from its offset. It reports
// whether it settled anything.
func (s *subscription) handOver(ctx context.Context) bool {
	if s.retryTopic == "" || s.ordered {
		return false
	}
	var open []*delivery
	s.mu.Lock()
	s.handedOver = true // callbacks entering from now on: lateBatch
	for _, ds := range s.active {
		for _, d := range ds {
			if d.settled.CompareAndSwap(false, true) {
				open = append(open, d)
			}
		}
	}
	s.mu.Unlock()
	if h := handOverHook.Load(); h != nil {
		(*h)() // tests: a callback entering right after
	}
	var moved atomic.Bool
	var wg sync.WaitGroup
	next := make(chan *delivery)
	for w := 0; w < min(handOverSenders, len(open)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range next {
				res, err := s.c.sendSync(ctx, s.retryCopy(d.dm, d.dm.Attempt, time.Now()))
				if err := checkResult(ctx, "close", res, err); err != nil {
					s.c.log.Warn("unimq: rocketmq could not hand an unsettled message to the retry topic; it is redelivered from its offset",
						"topic", s.cfg.Topic, "group", s.group, "id", d.dm.ID, "error", err.Error())
					continue
				}
				d.st = settle{out: outAck}
				if s.acked != nil {
					s.mu.Lock()
					s.recordAck(d.me)
					s.mu.Unlock()
				}
				if d.b.left.Add(-1) == 0 {
					close(d.b.done)
				}
				moved.Store(true)
			}
		}()
	}
	for _, d := range open {
		next <- d
	}
	close(next)
	wg.Wait()
	return moved.Load()
}

// lateBatch takes the messages of a callback that entered after handOver
// (concurrent clustering only; the client runs callbacks in goroutines, and
// the last one it starts often runs first). When one of them lies below a
// message of its queue already acknowledged, leaving it would hold the offset
// back and replay what was acknowledged: the batch is copied to the retry
// topic like handOver's and reported successful. Otherwise (or when a copy
// fails) it waits for the shutdown and the messages are redelivered from
// their offset.
func (s *subscription) lateBatch(ds []*delivery) bool {
	s.mu.Lock()
	gap := false
	for _, d := range ds {
		if d.me != nil && d.me.Queue != nil {
			if a := s.acked[*d.me.Queue]; a != nil && d.me.QueueOffset < a.max {
				gap = true
			}
		}
	}
	s.mu.Unlock()
	if gap {
		ctx, cancel := context.WithTimeout(context.Background(), 2*s.c.cfg.sendTimeout)
		defer cancel()
		copied := 0
		for _, d := range ds {
			res, err := s.c.sendSync(ctx, s.retryCopy(d.dm, d.dm.Attempt, time.Now()))
			if err := checkResult(ctx, "close", res, err); err != nil {
				s.c.log.Warn("unimq: rocketmq could not hand an unsettled message to the retry topic; it is redelivered from its offset",
					"topic", s.cfg.Topic, "group", s.group, "id", d.dm.ID, "error", err.Error())
				break
			}
			s.mu.Lock()
			s.recordAck(d.me)
			s.mu.Unlock()
			copied++
		}
		if copied == len(ds) {
			return true
		}
	}
	<-s.closing
	return false
}
