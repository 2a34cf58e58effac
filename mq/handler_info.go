package mq

import "context"

// HandlerInfo describes the subscription a Handler runs for, for handler
// middleware that needs more than the Message (a tracing middleware's
// consumer group, the backend's name).
type HandlerInfo struct {
	Topic   string
	Group   string // "" for a Broadcast subscriber
	Backend string // Capabilities().Backend
}

type handlerInfoKey struct{}

// HandlerInfoFrom returns the HandlerInfo in a handler's ctx and whether
// there is one.
func HandlerInfoFrom(ctx context.Context) (HandlerInfo, bool) {
	hi, ok := ctx.Value(handlerInfoKey{}).(*HandlerInfo)
	if !ok {
		return HandlerInfo{}, false
	}
	return *hi, true
}

// ContextWithHandlerInfo returns ctx carrying hi, as a Subscriber gives its
// handlers; use it to call a handler (and its middleware) in a test.
func ContextWithHandlerInfo(ctx context.Context, hi HandlerInfo) context.Context {
	return context.WithValue(ctx, handlerInfoKey{}, &hi)
}
