package mq

import (
	"fmt"
	"strings"
)

// Filter selects messages by tag. Build one with ParseTagFilter or
// ParseTagPattern (or the TagFilter / TagPattern options). It implements
// driver.Filter, so a backend can push it down to the broker; mq checks it
// client-side on every delivery anyway and acknowledges what it skips.
type Filter struct {
	expr     string
	tags     []string // "a || b"; nil for "*"
	patterns [][]string
	raw      []string
}

// ParseTagFilter parses a RocketMQ-style tag expression: "*" or "" for all
// tags, "a" for one, "a || b" for any of several. Tags may not contain
// spaces or '|'.
func ParseTagFilter(expr string) (*Filter, error) {
	e := strings.TrimSpace(expr)
	f := &Filter{expr: expr}
	if e == "" || e == "*" {
		return f, nil
	}
	for _, part := range strings.Split(e, "||") {
		t := strings.TrimSpace(part)
		if t == "" || strings.ContainsAny(t, " \t|*") {
			return nil, invalid("filter", "tag expression %q: want \"*\", \"tag\" or \"a || b\"", expr)
		}
		f.tags = append(f.tags, t)
	}
	return f, nil
}

// ParseTagPattern parses RabbitMQ topic-exchange patterns on dot-separated
// tags: "*" matches exactly one word, "#" zero or more words. A message
// matches when any pattern does.
func ParseTagPattern(patterns ...string) (*Filter, error) {
	if len(patterns) == 0 {
		return nil, invalid("filter", "no pattern given")
	}
	f := &Filter{expr: strings.Join(patterns, ", "), raw: patterns}
	for _, p := range patterns {
		if p == "" {
			return nil, invalid("filter", "empty pattern")
		}
		words := strings.Split(p, ".")
		for _, w := range words {
			if w == "" || strings.ContainsAny(w, " \t") || (len(w) > 1 && strings.ContainsAny(w, "*#")) {
				return nil, invalid("filter", "pattern %q: words are separated by single dots; '*' and '#' stand alone as words", p)
			}
		}
		f.patterns = append(f.patterns, words)
	}
	return f, nil
}

// Match reports whether a message with tag passes the filter.
func (f *Filter) Match(tag string) bool {
	if f == nil {
		return true
	}
	if f.patterns != nil {
		words := strings.Split(tag, ".")
		for _, p := range f.patterns {
			if matchWords(p, words) {
				return true
			}
		}
		return false
	}
	if f.tags == nil {
		return true
	}
	for _, t := range f.tags {
		if t == tag {
			return true
		}
	}
	return false
}

func matchWords(p, w []string) bool {
	for len(p) > 0 {
		switch p[0] {
		case "#":
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(w); i++ {
				if matchWords(p[1:], w[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(w) == 0 {
				return false
			}
		default:
			if len(w) == 0 || w[0] != p[0] {
				return false
			}
		}
		p, w = p[1:], w[1:]
	}
	return len(w) == 0
}

// Tags returns the tags of an "a || b" expression; nil for all tags or a
// pattern filter.
func (f *Filter) Tags() []string {
	if f == nil {
		return nil
	}
	return f.tags
}

// Patterns returns the patterns of a pattern filter, nil otherwise.
func (f *Filter) Patterns() []string {
	if f == nil {
		return nil
	}
	return f.raw
}

// String returns the expression as written.
func (f *Filter) String() string {
	if f == nil {
		return "*"
	}
	return f.expr
}

// GoString helps test output.
func (f *Filter) GoString() string { return fmt.Sprintf("mq.Filter(%q)", f.String()) }
