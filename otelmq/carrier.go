package otelmq

import "github.com/unimq/unimq/mq"

// injector writes a context into a message's headers. The first Set copies
// the headers into a new map (the caller's map may be shared with other
// messages or goroutines) and makes it the message's.
type injector struct {
	m      *mq.Message
	copied bool
}

func (c *injector) Get(k string) string { return c.m.Headers[k] }

func (c *injector) Set(k, v string) {
	if !c.copied {
		h := make(map[string]string, len(c.m.Headers)+3)
		for hk, hv := range c.m.Headers {
			h[hk] = hv
		}
		c.m.Headers = h
		c.copied = true
	}
	c.m.Headers[k] = v
}

func (c *injector) Keys() []string { return keys(c.m.Headers) }

// extractor reads a context from received headers.
type extractor map[string]string

func (c extractor) Get(k string) string { return c[k] }
func (c extractor) Set(string, string)  {}
func (c extractor) Keys() []string      { return keys(c) }

func keys(h map[string]string) []string {
	ks := make([]string, 0, len(h))
	for k := range h {
		ks = append(ks, k)
	}
	return ks
}
