package consume

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// handle runs the handler for dm (with in-place retries for Ordered
// subscriptions) and settles failures; ok reports a success (or a message
// filtered out) for the acker. m, when not nil, is where the handler's
// message is built for the first attempt.
func (e *Engine[M]) handle(r *runner, dm *driver.Message, now time.Time, m *M) (f finished, ok bool) {
	var start time.Time
	if e.timed {
		start = now
	}
	if e.p.Match != nil && !e.p.Match(dm.Tag) {
		return finished{dm: dm, kind: Skipped, attempt: dm.Attempt, start: start, ctx: r.ctx}, true
	}
	for {
		if m == nil {
			m = new(M)
		}
		e.prepare(m, dm)
		hctx, err := e.invoke(r, m, dm)
		m = nil // a retry gets a message of its own
		if err == nil {
			return finished{dm: dm, kind: Acked, attempt: dm.Attempt, start: start, ctx: hctx}, true
		}
		if e.p.Ordered && dm.Attempt < e.p.MaxAttempts && !e.p.permanent(err) {
			// In-place retry keeps the key's order: nothing after dm runs
			// until it succeeds or is dead-lettered. The Settled callback
			// sees it as a retry, as it does an unordered one's Nack.
			e.st.Report(hctx, Retried, dm, dm.Attempt, err, start)
			if !kit.Sleep(e.intake, e.p.Backoff(max(dm.Attempt, 1))) {
				return f, false // closing: left unsettled, redelivered later
			}
			dm.Attempt++
			continue
		}
		if e.work.Err() != nil {
			// Close gave up waiting and canceled the handler: the message
			// is left unsettled, for redelivery, as Close documents.
			return f, false
		}
		e.report("nack", dm, e.st.Fail(context.Background(), hctx, dm, err, start))
		return f, false
	}
}

// invoke calls the handler once with panic recovery and the timeout, and
// returns the ctx the innermost handler got. The handler runs on the
// caller's goroutine, so a handler that ignores its canceled ctx keeps its
// slot (and its worker or ordered lane) until it returns: HandlerTimeout
// never lets more than Concurrency handlers run at once, and a timed-out
// message is not settled (so not redelivered) while its handler still
// runs. A timed-out attempt counts as failed whatever the handler returns
// after the timeout.
func (e *Engine[M]) invoke(r *runner, m *M, dm *driver.Message) (context.Context, error) {
	d := e.p.HandlerTimeout
	if d <= 0 {
		return e.call(r, r.ctx, m, dm)
	}
	ctx, cancel := context.WithTimeout(r.ctx, d)
	defer cancel()
	start := time.Now()
	hctx, err := e.call(r, ctx, m, dm)
	if ctx.Err() == nil || e.work.Err() != nil {
		return hctx, err
	}
	if over := time.Since(start) - d; over > d {
		e.p.Logger.LogAttrs(context.Background(), slog.LevelWarn, "unimq: handler ignored its canceled ctx; it held a slot past HandlerTimeout",
			slog.String("topic", e.p.Topic), slog.String("id", dm.ID), slog.Duration("timeout", d), slog.Duration("over", over))
	}
	return hctx, &driver.Error{Code: driver.CodeTimeout, Op: "handle", Msg: fmt.Sprintf("handler exceeded %v", d)}
}

// call runs the handler with panic recovery and returns the ctx the
// innermost handler recorded (ctx when it recorded none).
func (e *Engine[M]) call(r *runner, ctx context.Context, m *M, dm *driver.Message) (hctx context.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.p.Logger.LogAttrs(ctx, slog.LevelError, "unimq: handler panicked",
				slog.String("topic", e.p.Topic), slog.String("id", dm.ID), slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("handler panic: %v", p)
		}
		hctx = r.sink.take()
		if hctx == nil {
			hctx = ctx
		}
	}()
	return ctx, e.h(ctx, m)
}
