package otelmq

import (
	"context"
	"sync/atomic"

	"github.com/unimq/unimq/mq"
)

// client is the instrumentation of one client. It learns the backend's
// name from the first publish or settlement, for handlers whose ctx has no
// mq.HandlerInfo.
type client struct {
	t       *Telemetry
	backend atomic.Pointer[string]
}

func (cl *client) learn(backend string) {
	if backend != "" && cl.backend.Load() == nil {
		cl.store(backend)
	}
}

// store is learn's slow path, apart so that learn's argument stays on the
// stack.
func (cl *client) store(backend string) { cl.backend.Store(&backend) }

func (cl *client) system() string {
	if p := cl.backend.Load(); p != nil {
		return *p
	}
	return ""
}

func (cl *client) intercept(ctx context.Context, p mq.PublishInfo) context.Context {
	cl.learn(p.Backend)
	return cl.t.Intercept(ctx, p)
}

func (cl *client) hook(ctx context.Context, e mq.Event) {
	cl.learn(e.Backend)
	cl.t.Hook(ctx, e)
}

func (cl *client) middleware(next mq.Handler) mq.Handler { return cl.t.handler(next, cl.system) }

func (cl *client) receive(ctx context.Context, m *mq.Message) (context.Context, func(error)) {
	return cl.t.receive(ctx, m, cl.system)
}

// opened learns the backend and lets the backlog gauge watch the client.
func (cl *client) opened(c *mq.Client) {
	cl.learn(c.Capabilities().Backend)
	cl.t.backlog.watch(c)
}
