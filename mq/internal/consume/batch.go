package consume

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// Batch mode (Policy.BatchSize > 0): the handler gets up to BatchSize
// messages at once, gathered for at most BatchLinger after the first.
//
// Unordered, Concurrency batch workers share one queue; one of them
// gathers at a time (batchLane.gather), so batches fill instead of being
// split among idle workers, and the others run the batches gathered
// before. Ordered, there are Concurrency lanes, each with its own queue and
// one worker; a message goes to the lane of its key (FNV-1a of the key, or
// of the partition when it has none), so one key's messages are gathered
// and run in order, and a failing key holds back only its lane.
//
// The handler fails the whole batch with an error, or some of its
// messages with an error that Policy.FailedIndexes understands (mq's
// BatchError): only those are retried or dead-lettered, the rest
// acknowledged. Ordered, failed messages are retried in place, together
// with the later messages of their keys in the batch (which run again, to
// keep the key's order), before the lane takes anything else.

// BatchHandler runs the handler chain for a batch.
type BatchHandler[M any] func(ctx context.Context, ms []*M) error

// batchLane is a queue of messages and the workers that gather and run
// batches from it. The receive loop appends a whole received run under one
// lock and wakes the gathering worker once, and the worker takes as many
// messages as its batch still has room for in one go: a batch costs a few
// lock round trips and wake-ups, not a channel operation per message.
type batchLane struct {
	gather sync.Mutex // held by the worker gathering a batch

	mu     sync.Mutex
	queue  []*driver.Message // queued messages from head on
	head   int
	closed bool
	wake   chan struct{} // one pending signal: the queue grew or closed
}

func newBatchLane() *batchLane { return &batchLane{wake: make(chan struct{}, 1)} }

// put appends dms and signals the gathering worker.
func (l *batchLane) put(dms ...*driver.Message) {
	l.mu.Lock()
	l.queue = append(l.queue, dms...)
	l.mu.Unlock()
	l.signal()
}

func (l *batchLane) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// close marks the lane closed (no put after it) and signals the worker.
func (l *batchLane) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.signal()
}

// take moves up to room queued messages to batch; open is false once the
// lane is closed and empty.
func (l *batchLane) take(batch []*driver.Message, room int) (_ []*driver.Message, open bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(room, len(l.queue)-l.head)
	batch = append(batch, l.queue[l.head:l.head+n]...)
	clear(l.queue[l.head : l.head+n])
	l.head += n
	if l.head == len(l.queue) {
		l.queue, l.head = l.queue[:0], 0
	}
	return batch, !l.closed || l.head < len(l.queue)
}

func (e *Engine[M]) startBatch() {
	n := 1
	if e.p.Ordered {
		n = e.p.Concurrency
	}
	e.blanes = make([]*batchLane, n)
	for i := range e.blanes {
		e.blanes[i] = newBatchLane()
	}
	e.wg.Add(e.p.Concurrency)
	for i := 0; i < e.p.Concurrency; i++ {
		go e.batchWorker(e.blanes[i%n])
	}
}

// dispatchBatch queues received messages for the batch workers; it never
// blocks (the slots bound what is queued).
func (e *Engine[M]) dispatchBatch(dms []*driver.Message) {
	if len(e.blanes) == 1 {
		e.blanes[0].put(dms...)
		return
	}
	for _, dm := range dms {
		e.blanes[laneHash(dm)%uint32(len(e.blanes))].put(dm)
	}
}

// closeBatch closes the lanes' queues once the loop has ended.
func (e *Engine[M]) closeBatch() {
	for _, l := range e.blanes {
		l.close()
	}
}

func (e *Engine[M]) batchWorker(l *batchLane) {
	defer e.wg.Done()
	r := e.newRunner()
	t := time.NewTimer(time.Hour)
	t.Stop()
	buf := make([]*driver.Message, 0, e.p.BatchSize)
	for {
		l.gather.Lock()
		batch, open := e.gather(l, buf[:0], t)
		l.gather.Unlock()
		if len(batch) > 0 {
			if e.closing.Load() {
				e.slots.release(len(batch)) // not started: left for redelivery
			} else {
				e.runBatch(r, batch)
			}
		}
		clear(batch)
		if !open {
			return
		}
	}
}

// gather waits for a first message, then takes more until BatchSize or
// until BatchLinger has passed since the first; open is false once the
// queue is closed (Close) and empty.
func (e *Engine[M]) gather(l *batchLane, batch []*driver.Message, t *time.Timer) (_ []*driver.Message, open bool) {
	armed := false
	defer func() {
		if armed && !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	}()
	for {
		batch, open = l.take(batch, e.p.BatchSize-len(batch))
		if len(batch) >= e.p.BatchSize || !open {
			return batch, open
		}
		if len(batch) > 0 && !armed {
			t.Reset(e.p.BatchLinger)
			armed = true
		}
		var linger <-chan time.Time
		if armed {
			linger = t.C
		}
		select {
		case <-l.wake:
		case <-linger:
			return batch, true
		case <-e.intake.Done():
			if len(batch) > 0 {
				return batch, true // closing: runBatch's caller leaves it
			}
			// closing with nothing gathered: wait for the loop to close
			// the lane (it ends on intake's cancellation).
			<-l.wake
		}
	}
}

// runBatch filters, runs the handler over batch (retrying failed messages
// in place when ordered), settles every message and frees their slots.
func (e *Engine[M]) runBatch(r *runner, batch []*driver.Message) {
	defer e.slots.release(len(batch))
	var start time.Time
	if e.timed {
		start = time.Now()
	}
	acks := make([]finished, 0, len(batch))
	pending := batch
	if e.p.Match != nil {
		pending = make([]*driver.Message, 0, len(batch))
		for _, dm := range batch {
			if e.p.Match(dm.Tag) {
				pending = append(pending, dm)
				continue
			}
			acks = append(acks, finished{dm: dm, kind: Skipped, attempt: dm.Attempt, start: start, ctx: r.ctx})
		}
	}
	for len(pending) > 0 {
		hctx, failed, err := e.invokeBatch(r, pending)
		if e.work.Err() != nil {
			// Close gave up and canceled the handler: leave the batch
			// unsettled, for redelivery.
			return
		}
		retry := e.settleBatch(hctx, pending, failed, err, start, &acks)
		if len(retry) == 0 {
			break
		}
		// Ordered: back off, then run the failed messages (and the later
		// ones of their keys) again before anything else of the lane.
		most := 1
		for _, dm := range retry {
			most = max(most, dm.Attempt-1)
		}
		e.ack(acks)
		acks = make([]finished, 0, len(retry))
		if !kit.Sleep(e.intake, e.p.Backoff(most)) {
			return // closing: left unsettled, redelivered later
		}
		pending = retry
	}
	e.ack(acks)
}

// settleBatch settles one run of pending: the messages not in failed go to
// acks; failed ones are nacked / dead-lettered (unordered) or returned for
// an in-place retry with the later messages of their keys (ordered).
func (e *Engine[M]) settleBatch(hctx context.Context, pending []*driver.Message, failed []int, err error, start time.Time, acks *[]finished) (retry []*driver.Message) {
	if len(failed) == 0 {
		for _, dm := range pending {
			*acks = append(*acks, finished{dm: dm, kind: Acked, attempt: dm.Attempt, start: start, ctx: hctx})
		}
		return nil
	}
	bad := make([]bool, len(pending))
	for _, i := range failed {
		bad[i] = true
	}
	var dragged map[string]bool // ordered: keys with an earlier failed message
	for i, dm := range pending {
		var key string
		if e.p.Ordered {
			key = laneKey(dm)
		}
		switch {
		case bad[i] && !e.p.Ordered:
			e.report("nack", dm, e.st.Fail(context.Background(), hctx, dm, err, start))
		case bad[i] && (dm.Attempt >= e.p.MaxAttempts || e.p.permanent(err)):
			e.report("dead-letter", dm, e.st.DeadLetter(context.Background(), hctx, dm, err, start))
		case bad[i]:
			e.st.Report(hctx, Retried, dm, dm.Attempt, err, start)
			dm.Attempt++
			retry = append(retry, dm)
			if dragged == nil {
				dragged = map[string]bool{}
			}
			dragged[key] = true
		case dragged[key]:
			retry = append(retry, dm) // runs again after its key's failed message
		default:
			*acks = append(*acks, finished{dm: dm, kind: Acked, attempt: dm.Attempt, start: start, ctx: hctx})
		}
	}
	return retry
}

// laneHash is FNV-1a of the message's key, or of its partition when it
// has none (messages without a key keep their partition's order).
func laneHash(dm *driver.Message) uint32 {
	h := uint32(2166136261)
	if dm.Key == "" {
		h = (h ^ 0xff) * 16777619 // apart from every key
		for i := 0; i < 4; i++ {
			h = (h ^ uint32(byte(uint32(dm.Partition)>>(8*i)))) * 16777619
		}
		return h
	}
	for i := 0; i < len(dm.Key); i++ {
		h = (h ^ uint32(dm.Key[i])) * 16777619
	}
	return h
}

func laneKey(dm *driver.Message) string {
	if dm.Key != "" {
		return dm.Key
	}
	return fmt.Sprintf("\x00partition-%d", dm.Partition)
}

// invokeBatch runs the batch handler once over dms with panic recovery and
// the timeout; failed lists the indexes that failed (every one for an
// error that names none).
func (e *Engine[M]) invokeBatch(r *runner, dms []*driver.Message) (hctx context.Context, failed []int, err error) {
	ms := make([]M, len(dms))
	ps := make([]*M, len(dms))
	for i, dm := range dms {
		e.prepare(&ms[i], dm)
		ps[i] = &ms[i]
	}
	ctx := r.ctx
	if d := e.p.HandlerTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(r.ctx, d)
		defer cancel()
	}
	err = e.callBatch(ctx, ps, dms)
	hctx = r.sink.take()
	if hctx == nil {
		hctx = ctx
	}
	if d := e.p.HandlerTimeout; d > 0 && ctx.Err() != nil && e.work.Err() == nil {
		err = &driver.Error{Code: driver.CodeTimeout, Op: "handle", Msg: fmt.Sprintf("batch handler exceeded %v", d)}
	}
	if err == nil {
		return hctx, nil, nil
	}
	if e.p.FailedIndexes != nil {
		if idx, cause, ok := e.p.FailedIndexes(err); ok {
			for _, i := range idx {
				if i >= 0 && i < len(dms) {
					failed = append(failed, i)
				}
			}
			if len(failed) != len(idx) {
				e.p.Logger.LogAttrs(hctx, slog.LevelWarn, "unimq: a batch error named indexes outside the batch; they were ignored",
					slog.String("topic", e.p.Topic), slog.Any("indexes", idx), slog.Int("batch", len(dms)))
			}
			if len(failed) > 0 {
				slices.Sort(failed)
				return hctx, slices.Compact(failed), cause
			}
			err = cause // no index left: the whole batch failed
		}
	}
	failed = make([]int, len(dms))
	for i := range failed {
		failed[i] = i
	}
	return hctx, failed, err
}

func (e *Engine[M]) callBatch(ctx context.Context, ps []*M, dms []*driver.Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e.p.Logger.LogAttrs(ctx, slog.LevelError, "unimq: batch handler panicked",
				slog.String("topic", e.p.Topic), slog.String("first_id", dms[0].ID), slog.Int("batch", len(dms)),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return e.hb(ctx, ps)
}
