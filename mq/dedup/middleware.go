package dedup

import (
	"context"
	"fmt"
	"sync"

	"github.com/unimq/unimq/mq"
)

// Option configures Middleware.
type Option func(*config)

type config struct {
	key    func(*mq.Message) string
	onMark func(ctx context.Context, m *mq.Message, err error)
}

// Key sets the function that gives a message's deduplication key (default:
// its ID). An empty key means "do not deduplicate": the message runs.
func Key(f func(*mq.Message) string) Option {
	return func(c *config) {
		if f != nil {
			c.key = f
		}
	}
}

// OnMarkError sets the function told when Store.Mark fails after the
// handler succeeded (the message is acknowledged all the same). Default:
// none.
func OnMarkError(f func(ctx context.Context, m *mq.Message, err error)) Option {
	return func(c *config) { c.onMark = f }
}

// Middleware returns a handler middleware (mq.WithMiddleware) that skips
// messages whose key store has seen, and marks a key in store once its
// handler returned nil. See the package documentation for the store to
// choose and for concurrent duplicates. It panics when store is nil.
func Middleware(store Store, opts ...Option) func(mq.Handler) mq.Handler {
	if store == nil {
		panic("dedup.Middleware: nil store")
	}
	cfg := config{key: func(m *mq.Message) string { return m.ID }}
	for _, o := range opts {
		o(&cfg)
	}
	return func(next mq.Handler) mq.Handler {
		d := &deduper{store: store, cfg: cfg, next: next, running: map[string]chan struct{}{}}
		return d.handle
	}
}

// deduper is the middleware around one handler.
type deduper struct {
	store Store
	cfg   config
	next  mq.Handler

	mu      sync.Mutex
	running map[string]chan struct{} // keys whose handler runs; closed when it returns
}

func (d *deduper) handle(ctx context.Context, m *mq.Message) error {
	key := d.cfg.key(m)
	if key == "" {
		return d.next(ctx, m)
	}
	release, err := d.claim(ctx, key)
	if err != nil {
		return err
	}
	defer release()
	seen, err := d.store.Seen(ctx, key)
	if err != nil {
		return fmt.Errorf("dedup: store lookup of key %q: %w", key, err)
	}
	if seen {
		return nil
	}
	if err := d.next(ctx, m); err != nil {
		return err
	}
	if err := d.store.Mark(ctx, key); err != nil && d.cfg.onMark != nil {
		d.cfg.onMark(ctx, m, err)
	}
	return nil
}

// claim makes this call the only one running key, waiting (bounded by
// ctx) while another runs it. release ends the claim.
func (d *deduper) claim(ctx context.Context, key string) (release func(), err error) {
	for {
		d.mu.Lock()
		busy, ok := d.running[key]
		if !ok {
			done := make(chan struct{})
			d.running[key] = done
			d.mu.Unlock()
			return func() {
				d.mu.Lock()
				delete(d.running, key)
				d.mu.Unlock()
				close(done)
			}, nil
		}
		d.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, fmt.Errorf("dedup: waiting for the copy of key %q in flight: %w", key, ctx.Err())
		}
	}
}
