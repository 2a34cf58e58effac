package typed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/unimq/unimq/mq"
)

// Unknown says what a Router does with a message whose Tag no route names.
type Unknown int

const (
	// AckUnknown acknowledges it without running anything, as a TagFilter
	// skips what it does not select.
	AckUnknown Unknown = iota + 1
	// DeadLetterUnknown sends it to the dead letter at once, with an error
	// matching ErrUnknownTag as the reason.
	DeadLetterUnknown
)

// ErrUnknownTag is the dead-letter reason (errors.Is) of a message whose
// tag no route of a DeadLetterUnknown Router names.
var ErrUnknownTag = errors.New("typed: no route for the message's tag")

// Router dispatches the messages of one subscription to a typed handler per
// Tag, all decoded with one Codec. Add routes with On, then subscribe its
// Handler. Safe for concurrent use; routes may be added while messages flow.
type Router struct {
	codec   Codec
	unknown Unknown

	mu     sync.RWMutex
	routes map[string]mq.Handler
}

// NewRouter returns a Router that decodes with codec and settles messages
// with unknown tags as unknown says (AckUnknown or DeadLetterUnknown). It
// panics on a nil codec or another Unknown value.
func NewRouter(codec Codec, unknown Unknown) *Router {
	if codec == nil {
		panic("typed.NewRouter: nil codec")
	}
	if unknown != AckUnknown && unknown != DeadLetterUnknown {
		panic(fmt.Sprintf("typed.NewRouter: unknown-tag policy %d is neither AckUnknown nor DeadLetterUnknown", unknown))
	}
	return &Router{codec: codec, unknown: unknown, routes: map[string]mq.Handler{}}
}

// On routes the messages tagged tag to h, which gets them decoded as T (as
// Handle does: a message that does not decode is dead-lettered at once).
// The empty tag routes untagged messages. It panics when tag is routed
// already or h is nil, as http.ServeMux does for a pattern given twice.
func On[T any](r *Router, tag string, h Handler[T]) {
	if h == nil {
		panic("typed.On: nil handler for tag " + fmt.Sprintf("%q", tag))
	}
	wrapped := Handle(r.codec, h)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.routes[tag]; dup {
		panic(fmt.Sprintf("typed.On: tag %q is routed already", tag))
	}
	r.routes[tag] = wrapped
}

// Tags returns the routed tags, sorted: for a TagFilter expression
// (strings.Join(tags, " || ")) when the broker should drop the rest.
func (r *Router) Tags() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.routes))
	for t := range r.routes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Handler returns the mq.Handler to subscribe: it runs the route of the
// message's Tag.
func (r *Router) Handler() mq.Handler { return r.handle }

func (r *Router) handle(ctx context.Context, m *mq.Message) error {
	r.mu.RLock()
	h := r.routes[m.Tag]
	r.mu.RUnlock()
	if h != nil {
		return h(ctx, m)
	}
	if r.unknown == AckUnknown {
		return nil
	}
	return mq.NoRetry(fmt.Errorf("%w %q", ErrUnknownTag, m.Tag))
}
