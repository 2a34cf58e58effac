package consume

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/unimq/unimq/mq/driver"
)

// Handler runs the handler chain for one message.
type Handler[M any] func(ctx context.Context, m *M) error

// Config is an engine's input.
type Config[M any] struct {
	Sub    driver.Subscription
	Policy Policy
	// Prepare fills the handler's message from dm (a zero M, or one a
	// previous attempt used).
	Prepare func(m *M, dm *driver.Message)
	// HandleBatch runs the batch handler chain (Policy.BatchSize > 0),
	// instead of Handle.
	HandleBatch BatchHandler[M]
	// Handle runs the handler chain. When Policy.Settled is set, the
	// innermost handler should call RecordHandlerCtx with the ctx it got, so
	// that Settled sees it (with what every middleware put in it).
	Handle Handler[M]
}

// Engine runs a handler over the messages of one driver subscription. M is
// the handler's message type (mq.Message). Create it with New, stop it
// with Close.
type Engine[M any] struct {
	sub     driver.Subscription
	p       *Policy
	st      Settler
	prepare func(*M, *driver.Message)
	h       Handler[M]
	hb      BatchHandler[M]
	blanes  []*batchLane // batch mode: the queues of the batch workers

	intake     context.Context // canceled by Close: stop receiving
	stopIntake context.CancelFunc
	work       context.Context // parent of handler contexts: canceled when Close gives up
	stopWork   context.CancelFunc
	slots      *slotPool              // one per message held (running or queued): the prefetch
	running    chan struct{}          // Ordered: one per lane running a handler, at most Concurrency
	queue      chan []*driver.Message // chunks of unordered messages for the workers
	queueMu    sync.RWMutex           // orders spills with closing the queue
	queueOpen  bool                   // guarded by queueMu
	acks       chan []finished        // finished messages for the acker
	spareAcks  chan []finished        // emptied slices of acks, for reuse (acker.go)
	ackerDone  chan struct{}          // closed when the acker has flushed and ended
	ackerQuit  chan struct{}          // closed when Close gives up: the acker ends at once
	wg         sync.WaitGroup         // workers, lanes
	loopDone   chan struct{}
	closing    atomic.Bool
	closeOnce  sync.Once
	closeErr   error
	cost       atomic.Int64 // running mean handler time per message, ns (dispatch.go)
	timed      bool         // Settled wants each message's start time

	mu    sync.Mutex
	lanes map[string]*lane // Ordered: messages waiting per key
}

// New starts an engine: the receive loop, the acker and (unordered) one
// worker per unit of Concurrency. It does not block.
func New[M any](cfg Config[M]) *Engine[M] {
	p := cfg.Policy
	p.Concurrency = max(p.Concurrency, 1)
	p.Held = max(p.Held, p.Concurrency)
	e := &Engine[M]{
		sub: cfg.Sub, p: &p, prepare: cfg.Prepare, h: cfg.Handle, hb: cfg.HandleBatch,
		slots:     newSlotPool(p.Held),
		running:   make(chan struct{}, p.Concurrency),
		queue:     make(chan []*driver.Message, p.Held),
		queueOpen: true,
		acks:      make(chan []finished, p.Held),
		spareAcks: make(chan []finished, p.Concurrency),
		timed:     p.Settled != nil,
		ackerDone: make(chan struct{}),
		ackerQuit: make(chan struct{}),
		loopDone:  make(chan struct{}),
		lanes:     map[string]*lane{},
	}
	e.st = Settler{Sub: cfg.Sub, Policy: e.p}
	e.cost.Store(int64(chunkBudget)) // one message per chunk until handlers are timed
	e.intake, e.stopIntake = context.WithCancel(context.Background())
	base := context.Background()
	if cfg.Policy.Base != nil {
		base = context.WithoutCancel(cfg.Policy.Base)
	}
	e.work, e.stopWork = context.WithCancel(base)
	switch {
	case p.BatchSize > 0:
		e.startBatch()
	case !p.Ordered:
		e.wg.Add(p.Concurrency)
		for i := 0; i < p.Concurrency; i++ {
			go e.worker()
		}
	}
	go e.acker()
	go e.loop()
	return e
}

// Closing reports whether Close has begun.
func (e *Engine[M]) Closing() bool { return e.closing.Load() }

func (e *Engine[M]) report(op string, dm *driver.Message, err error) {
	if err != nil && !(e.closing.Load() && driver.CodeOf(err) == driver.CodeClosed) {
		e.st.LogErr(op, dm, err)
	}
}

// Close stops receiving, waits for running handlers (bounded by ctx; when
// ctx ends first their contexts are canceled and their messages are left
// unsettled for redelivery), settles what finished and closes the
// subscription. Messages received but not started are left unsettled.
// Only the first call does this; later calls return its result. A ctx that
// ended first gives a *driver.Error with its code (op "close").
func (e *Engine[M]) Close(ctx context.Context) error {
	e.closeOnce.Do(func() {
		e.closing.Store(true)
		e.stopIntake()
		e.closeErr = e.drain(ctx)
		// The driver settles what finished (commits offsets, flushes acks)
		// even when ctx ran out while waiting for handlers.
		cctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), CloseGrace)
			defer cancel()
		}
		if err := e.sub.Close(cctx); err != nil && e.closeErr == nil {
			e.closeErr = err
		}
		e.stopWork()
	})
	return e.closeErr
}

// drain waits for the loop, the workers and lanes, and the acker's flush;
// when ctx ends first it cancels the handlers and stops the acker at once.
func (e *Engine[M]) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		<-e.loopDone
		e.queueMu.Lock()
		e.queueOpen = false
		close(e.queue) // the loop has ended; spills check queueOpen
		e.queueMu.Unlock()
		e.closeBatch()
		e.wg.Wait()
		close(e.acks) // every handler has finished: nothing sends any more
		<-e.ackerDone
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		e.stopWork()
		close(e.ackerQuit)
		return &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: "close", Err: ctx.Err()}
	}
}
