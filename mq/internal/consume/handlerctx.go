package consume

import (
	"context"
	"sync"
)

// The ctx a Settled callback gets is the one the innermost handler got,
// after every middleware (a tracing middleware's span is in it). It travels
// back to the engine without an allocation per message: each worker (and
// ordered lane) gives its handlers a ctx carrying its own sink, made once;
// the innermost handler records its ctx there (RecordHandlerCtx) and the
// engine takes it when the handler returns, then carries it with the
// finished message.

type sinkKey struct{}

// ctxSink holds the ctx the innermost handler of one call recorded. The
// mutex covers a middleware that runs the handler on another goroutine.
type ctxSink struct {
	mu  sync.Mutex
	ctx context.Context
}

// take returns the recorded ctx (nil if none) and clears it; a nil sink
// (no Settled callback) has none.
func (s *ctxSink) take() context.Context {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := s.ctx
	s.ctx = nil
	return ctx
}

// RecordHandlerCtx records ctx as the one the handler got, for the engine
// running it (a no-op outside an engine or without a Settled callback).
// Call it from the innermost handler, on the handler's goroutine.
func RecordHandlerCtx(ctx context.Context) {
	if s, ok := ctx.Value(sinkKey{}).(*ctxSink); ok {
		s.mu.Lock()
		s.ctx = ctx
		s.mu.Unlock()
	}
}

// runner is what one worker or ordered lane hands its handlers: the base
// ctx (with its sink when Settled wants the handler's ctx).
type runner struct {
	ctx  context.Context
	sink *ctxSink
}

func (e *Engine[M]) newRunner() *runner {
	if !e.timed {
		return &runner{ctx: e.work}
	}
	s := &ctxSink{}
	return &runner{ctx: context.WithValue(e.work, sinkKey{}, s), sink: s}
}
