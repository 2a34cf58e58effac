package mq_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/unimq/unimq/mq"
)

// refMatch is the reference tag-pattern matcher: RabbitMQ's topic-exchange
// rule written as plainly as possible (backtracking, exponential in the
// number of "#"), for short inputs only.
func refMatch(p, w []string) bool {
	if len(p) == 0 {
		return len(w) == 0
	}
	switch p[0] {
	case "#":
		for i := 0; i <= len(w); i++ {
			if refMatch(p[1:], w[i:]) {
				return true
			}
		}
		return false
	case "*":
		return len(w) > 0 && refMatch(p[1:], w[1:])
	}
	return len(w) > 0 && w[0] == p[0] && refMatch(p[1:], w[1:])
}

// refValidPattern says whether a pattern is well formed: non-empty words
// separated by single dots, without white space or control characters,
// "*" and "#" only as whole words, valid UTF-8, at most MaxPatternLen bytes.
func refValidPattern(p string) bool {
	if p == "" || len(p) > mq.MaxPatternLen || !validText(p) {
		return false
	}
	for _, w := range strings.Split(p, ".") {
		if w == "" || strings.ContainsAny(w, " \t") || (w != "*" && w != "#" && strings.ContainsAny(w, "*#")) {
			return false
		}
	}
	return true
}

// validText: valid UTF-8 without C0, DEL or C1 control characters.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

// FuzzTagPattern compares the compiled matcher with refMatch on short
// patterns and tags, and checks what ParseTagPattern accepts.
func FuzzTagPattern(f *testing.F) {
	for _, s := range [][2]string{
		{"#.order.#.failed", "a.order.b.c.failed"}, {"#.a.#.a.#.b", "a.a.a.a.a.b"}, {"*.orange.*", "quick.orange.rabbit"},
		{"#", ""}, {"*", ""}, {"a.#.#.z", "a.z"}, {"#.*", "x"}, {"a..b", "a..b"}, {"a.*#", "a.b"}, {"#.#.#", "a.b.c"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, tag string) {
		flt, err := mq.ParseTagPattern(pat)
		if valid := refValidPattern(pat); valid != (err == nil) {
			t.Fatalf("ParseTagPattern(%q): err %v, reference says valid=%v", pat, err, valid)
		}
		if err != nil {
			if !errors.Is(err, mq.ErrInvalidArgument) {
				t.Fatalf("ParseTagPattern(%q): %v is not ErrInvalidArgument", pat, err)
			}
			return
		}
		p, w := strings.Split(pat, "."), strings.Split(tag, ".")
		if len(w) > 40 || strings.Count(pat, "#") > 6 {
			// The reference backtracks; keep it fast. The compiled
			// matcher must still end in bounded steps.
			_, steps := mq.PatternSteps(flt, tag)
			if bound := len(w) * (len(p) + 1); steps > bound {
				t.Fatalf("%q on a tag of %d words: %d steps > %d", pat, len(w), steps, bound)
			}
			return
		}
		if got, want := flt.Match(tag), refMatch(p, w); got != want {
			t.Fatalf("pattern %q on tag %q: Match %v, reference %v", pat, tag, got, want)
		}
	})
}

// FuzzTagFilter checks ParseTagFilter and Match against the rule: "*" or ""
// (after trimming) matches every tag; otherwise the expression is tags
// separated by "||", each trimmed non-empty without white space, '|' or '*',
// valid UTF-8 without control characters, and a tag matches when it equals
// one of them.
func FuzzTagFilter(f *testing.F) {
	for _, s := range [][2]string{{"*", "x"}, {"", ""}, {"a || b", "b"}, {"a||b||c", "c"}, {" TagA || TagB ", "TagC"},
		{"a ||", "a"}, {"|| a", "a"}, {"a | b", "a"}, {"a*", "a"}, {"a\t|| b", "a"}, {"a ||| b", "b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, expr, tag string) {
		flt, err := mq.ParseTagFilter(expr)
		e := strings.TrimSpace(expr)
		if e == "" || e == "*" {
			if err != nil || !flt.Match(tag) || flt.Tags() != nil {
				t.Fatalf("%q: err %v; must match every tag", expr, err)
			}
			return
		}
		var want []string
		valid := true
		for _, part := range strings.Split(e, "||") {
			p := strings.TrimSpace(part)
			if p == "" || strings.ContainsAny(p, " \t|*") || !validText(p) {
				valid = false
				break
			}
			want = append(want, p)
		}
		if valid != (err == nil) {
			t.Fatalf("ParseTagFilter(%q): err %v, reference says valid=%v", expr, err, valid)
		}
		if err != nil {
			if !errors.Is(err, mq.ErrInvalidArgument) {
				t.Fatalf("ParseTagFilter(%q): %v is not ErrInvalidArgument", expr, err)
			}
			return
		}
		match := false
		for _, w := range want {
			match = match || w == tag
		}
		if got := flt.Match(tag); got != match {
			t.Fatalf("%q on %q: Match %v, want %v", expr, tag, got, match)
		}
		if strings.Join(flt.Tags(), "\x00") != strings.Join(want, "\x00") || flt.String() != expr {
			t.Fatalf("%q: Tags %q String %q", expr, flt.Tags(), flt.String())
		}
	})
}
