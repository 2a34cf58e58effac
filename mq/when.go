package mq

import "fmt"

// When applies opts at Open only if cond reports true then (cond is called
// once, by Open). It is for instrumentation that would have nothing to do:
// an observer installed through When costs a client nothing at all when
// cond said no, where an interceptor, hook or middleware that returns at
// once still costs a call per message (and a clock reading per message for
// a hook). otelmq's ClientOptions uses it: with no OpenTelemetry provider
// installed when the client opens, the client is not instrumented.
//
// Every option in opts must apply to Open; that is checked whatever cond
// says, so a misplaced option is refused on every machine.
func When(cond func() bool, opts ...Option) Option {
	return Option{"When", forOpen, func(s *settings) error {
		if cond == nil {
			return fmt.Errorf("nil condition")
		}
		for _, o := range opts {
			if o.apply == nil {
				return fmt.Errorf("zero Option value")
			}
			if o.scope&forOpen == 0 {
				return fmt.Errorf("option %s applies to %s, not Open", o.name, o.scope)
			}
		}
		if !cond() {
			return nil
		}
		for _, o := range opts {
			if err := o.apply(s); err != nil {
				return fmt.Errorf("option %s: %w", o.name, plainErr(err))
			}
		}
		return nil
	}}
}
