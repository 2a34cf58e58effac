package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
)

// maxBatchBytes keeps a batch under the broker's maxMessageSize (4 MiB).
const maxBatchBytes = 4<<20 - 64<<10

// sendPlan is what the per-publish options and the messages ask for.
type sendPlan struct {
	level int // delay level from rocketmq.DelayLevel, 0: none
}

func (c *conn) plan(op string, opts driver.SendOptions) (sendPlan, error) {
	var p sendPlan
	for _, o := range opts.Options {
		if o, ok := o.(delayLevelOpt); ok {
			if o < 1 || int(o) > MaxDelayLevel {
				return p, driver.Errorf(driver.CodeInvalidOption, op, "rocketmq.WithDelayLevel(%d): want 1..%d", int(o), MaxDelayLevel)
			}
			p.level = int(o)
		}
	}
	return p, nil
}

// build converts dm and applies the delay: the DelayLevel option, else
// DeliverAt through the 5.x timer property (delay=timer, the default) or the
// nearest delay level not shorter (delay=levels).
func (c *conn) build(topic string, dm *driver.Message, p sendPlan, now time.Time) *primitive.Message {
	m := toPrimitive(topic, dm)
	switch {
	case p.level > 0:
		m.WithDelayTimeLevel(p.level)
	case !dm.DeliverAt.IsZero() && dm.DeliverAt.After(now):
		if c.cfg.timerDelay {
			m.WithProperty(propTimerDeliverMS, strconv.FormatInt(dm.DeliverAt.UnixMilli(), 10))
		} else {
			m.WithDelayTimeLevel(levelNotShorter(dm.DeliverAt.Sub(now)))
		}
	}
	return m
}

func delayed(m *primitive.Message) bool {
	return m.GetProperty(primitive.PropertyDelayTimeLevel) != "" || m.GetProperty(propTimerDeliverMS) != ""
}

// Send publishes msgs: SendSync (one batch when the messages allow it: no
// key, no explicit queue, no delay; else one SendSync each, in order) or
// SendOneWay.
func (c *conn) Send(ctx context.Context, topic string, msgs []*driver.Message, opts driver.SendOptions) error {
	op := "publish"
	if opts.Mode == driver.OneWay {
		op = "publish one-way"
	}
	if err := c.checkOpen(op); err != nil {
		return err
	}
	p, err := c.plan(op, opts)
	if err != nil {
		return err
	}
	for _, dm := range msgs {
		if err := checkMessage(op, dm); err != nil {
			return err
		}
	}
	if err := c.ensureTopic(ctx, op, topic, c.cfg.queues); err != nil {
		return err
	}
	now := time.Now()
	pms := make([]*primitive.Message, len(msgs))
	batchable := len(msgs) > 1
	size := 0
	for i, dm := range msgs {
		pms[i] = c.build(topic, dm, p, now)
		size += len(dm.Body) + 256
		for k, v := range dm.Headers {
			size += len(k) + len(v) + 2
		}
		if dm.Key != "" || dm.Partition >= 0 || delayed(pms[i]) {
			batchable = false
		}
	}
	if size > maxBatchBytes {
		batchable = false // the broker refuses a batch over its message size limit
	}
	if opts.Mode == driver.OneWay {
		for _, pm := range pms {
			if err := c.sendOneWay(ctx, pm); err != nil {
				return sendErr(ctx, op, err)
			}
		}
		return nil
	}
	if batchable {
		res, err := c.sendSync(ctx, pms...)
		if err := checkResult(ctx, op, res, err); err != nil {
			return err
		}
		// The batch went to one queue, stored contiguously; the ids are
		// the UNIQ_KEYs toPrimitive gave each message.
		for i, dm := range msgs {
			confirm(dm, pms[i].GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex), res, int64(i))
		}
		return nil
	}
	for i, pm := range pms {
		res, err := c.sendSync(ctx, pm)
		if err := checkResult(ctx, op, res, err); err != nil {
			if i > 0 {
				return &driver.Error{Code: driver.CodeOf(err), Op: op,
					Msg: fmt.Sprintf("%d of %d messages sent", i, len(pms)), Err: err}
			}
			return err
		}
		confirm(msgs[i], res.MsgID, res, 0)
	}
	return nil
}

func confirm(dm *driver.Message, id string, res *primitive.SendResult, i int64) {
	dm.BrokerID = id
	if dm.ID == "" {
		dm.ID = id
	}
	if res.MessageQueue != nil {
		dm.Partition = int32(res.MessageQueue.QueueId)
	}
	dm.Offset = res.QueueOffset + i
}

// checkResult turns a send result that is not SEND_OK into an error with
// CodeRejected whose message names the status (FLUSH_DISK_TIMEOUT,
// FLUSH_SLAVE_TIMEOUT, SLAVE_NOT_AVAILABLE); the message may still be stored.
func checkResult(ctx context.Context, op string, res *primitive.SendResult, err error) error {
	if err != nil {
		return sendErr(ctx, op, err)
	}
	if res == nil {
		return driver.Errorf(driver.CodeUnavailable, op, "no send result")
	}
	if res.Status != primitive.SendOK {
		return &driver.Error{Code: driver.CodeRejected, Op: op, Err: &SendStatusError{Status: res.Status, MsgID: res.MsgID}}
	}
	return nil
}

// SendStatusError is the cause of a CodeRejected publish error when the
// broker answered with a send status other than SEND_OK. Get it with
// errors.As.
type SendStatusError struct {
	Status primitive.SendStatus
	MsgID  string
}

func (e *SendStatusError) Error() string {
	return fmt.Sprintf("send status %s (message %s may be stored but is not safe)", statusName(e.Status), e.MsgID)
}

func statusName(s primitive.SendStatus) string {
	switch s {
	case primitive.SendOK:
		return "SEND_OK"
	case primitive.SendFlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case primitive.SendFlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case primitive.SendSlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	}
	return "UNKNOWN_ERROR"
}

// sendErr classifies an error of the client.
func sendErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Err: err}
	}
	msg := err.Error()
	code := driver.CodeUnavailable
	switch {
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "timeout"):
		code = driver.CodeTimeout
	case strings.Contains(msg, "CODE: 13,"): // MESSAGE_ILLEGAL (e.g. too large)
		code = driver.CodeTooLarge
		if !strings.Contains(strings.ToLower(msg), "size") && !strings.Contains(strings.ToLower(msg), "length") {
			code = driver.CodeRejected
		}
	case strings.Contains(msg, "CODE: "):
		code = driver.CodeRejected
	case routeMissing(err):
		// the topic exists (ensureTopic) but the producer did not learn
		// its route within route_wait (routewait.go): retrying can succeed
		code = driver.CodeUnavailable
	}
	return &driver.Error{Code: code, Op: op, Err: err}
}

// SendAsync sends m with the client's SendAsync; done is called once with
// the outcome. The send outlives ctx once queued (the client bounds it with
// its 3 s send timeout).
func (c *conn) SendAsync(ctx context.Context, topic string, m *driver.Message, opts driver.SendOptions, done func(error)) error {
	const op = "publish async"
	if err := c.checkOpen(op); err != nil {
		return err
	}
	p, err := c.plan(op, opts)
	if err != nil {
		return err
	}
	if err := checkMessage(op, m); err != nil {
		return err
	}
	if err := c.ensureTopic(ctx, op, topic, c.cfg.queues); err != nil {
		return err
	}
	pm := c.build(topic, m, p, time.Now())
	var once sync.Once
	callback := func(_ context.Context, res *primitive.SendResult, err error) {
		once.Do(func() {
			defer c.pending.Done()
			if err == nil {
				err = checkResult(context.Background(), op, res, nil)
			} else {
				err = sendErr(context.Background(), op, err)
			}
			if err == nil {
				confirm(m, res.MsgID, res, 0)
			}
			done(err)
		})
	}
	c.pending.Add(1)
	err = c.untilRouted(ctx, func() error {
		return c.prod.SendAsync(context.WithoutCancel(ctx), callback, pm)
	})
	if err != nil {
		c.pending.Done()
		return sendErr(ctx, op, err)
	}
	return nil
}
