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
	patterns []pattern
	raw      []string
}

// ParseTagFilter parses a RocketMQ-style tag expression: "*" or "" for all
// tags, "a" for one, "a || b" for any of several. Tags may not contain
// white space, '|' or '*', and follow the rule of a message's Tag (valid
// UTF-8 without control characters).
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
		if why := badText(t, true); why != "" {
			return nil, invalid("filter", "tag %s", why) // no published tag could match it
		}
		f.tags = append(f.tags, t)
	}
	return f, nil
}

// MaxPatternLen is the longest tag pattern, in bytes: a RabbitMQ binding
// key is an AMQP short string (255 bytes), like the tags it matches
// (MaxTagLen).
const MaxPatternLen = 255

// ParseTagPattern parses RabbitMQ topic-exchange patterns on dot-separated
// tags: "*" matches exactly one word, "#" zero or more words. A message
// matches when any pattern does. A pattern is at most MaxPatternLen bytes.
//
// Matching takes time linear in the tag's length whatever the pattern (and
// whatever the tag: a received message may come from another client and be
// longer than MaxTagLen): each pattern is an automaton whose states are its
// positions, run over the tag's words once (see pattern.match).
func ParseTagPattern(patterns ...string) (*Filter, error) {
	if len(patterns) == 0 {
		return nil, invalid("filter", "no pattern given")
	}
	f := &Filter{expr: strings.Join(patterns, ", "), raw: patterns}
	for _, p := range patterns {
		if p == "" {
			return nil, invalid("filter", "empty pattern")
		}
		if len(p) > MaxPatternLen {
			return nil, invalid("filter", "pattern of %d bytes: at most %d", len(p), MaxPatternLen)
		}
		if why := badText(p, true); why != "" {
			return nil, invalid("filter", "pattern %s", why)
		}
		words := strings.Split(p, ".")
		for _, w := range words {
			if w == "" || strings.ContainsAny(w, " \t") || (len(w) > 1 && strings.ContainsAny(w, "*#")) {
				return nil, invalid("filter", "pattern %q: words are separated by single dots; '*' and '#' stand alone as words", p)
			}
		}
		f.patterns = append(f.patterns, compilePattern(words))
	}
	return f, nil
}

// Match reports whether a message with tag passes the filter.
func (f *Filter) Match(tag string) bool {
	if f == nil {
		return true
	}
	if f.patterns != nil {
		for i := range f.patterns {
			if ok, _ := f.patterns[i].match(tag); ok {
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

// pattern is a compiled tag pattern: a nondeterministic automaton whose
// state i means "the words so far matched words[:i]", run over the tag's
// words with the set of live states in a bitset. A word moves state i to
// i+1 when words[i] is "*" or equal to it, and keeps state i alive when
// words[i] is "#"; a state before a "#" also stands for the state after it
// (zero words). Each tag word costs at most one step per state, so matching
// is O(len(tag) x len(pattern)) with the pattern bounded by MaxPatternLen:
// linear in the tag, where backtracking over the "#"s was exponential in
// their number.
type pattern struct {
	words []string // consecutive "#" folded into one (same meaning)
	hash  stateSet // positions holding "#"
	star  stateSet // positions holding "*"
}

// stateSet holds automaton states 0..len(words): a pattern of at most
// MaxPatternLen bytes has at most 128 words, so 129 states.
type stateSet [3]uint64

func (s *stateSet) set(i int)      { s[i>>6] |= 1 << (i & 63) }
func (s *stateSet) has(i int) bool { return s[i>>6]&(1<<(i&63)) != 0 }
func (s *stateSet) empty() bool    { return s[0]|s[1]|s[2] == 0 }

func compilePattern(words []string) pattern {
	var p pattern
	for _, w := range words {
		if w == "#" && len(p.words) > 0 && p.words[len(p.words)-1] == "#" {
			continue
		}
		p.words = append(p.words, w)
	}
	for i, w := range p.words {
		switch w {
		case "#":
			p.hash.set(i)
		case "*":
			p.star.set(i)
		}
	}
	return p
}

// closure adds to s the states a "#" reaches by matching zero words.
func (p *pattern) closure(s *stateSet) {
	for i := range p.words {
		if s.has(i) && p.hash.has(i) {
			s.set(i + 1)
		}
	}
}

// match runs the automaton over the words of tag (split at every '.', as
// strings.Split does: "" is one empty word). steps counts the states
// visited, for tests of the bound.
func (p *pattern) match(tag string) (ok bool, steps int) {
	n := len(p.words)
	var cur stateSet
	cur.set(0)
	p.closure(&cur)
	for start := 0; ; {
		end := strings.IndexByte(tag[start:], '.')
		if end < 0 {
			end = len(tag)
		} else {
			end += start
		}
		w := tag[start:end]
		var next stateSet
		for i := 0; i < n; i++ {
			if !cur.has(i) {
				continue
			}
			steps++
			switch {
			case p.hash.has(i):
				next.set(i)
			case p.star.has(i) || p.words[i] == w:
				next.set(i + 1)
			}
		}
		p.closure(&next)
		cur = next
		if cur.empty() {
			return false, steps
		}
		if end == len(tag) {
			break
		}
		start = end + 1
	}
	return cur.has(n), steps
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
