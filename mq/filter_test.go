package mq_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestTagFilter(t *testing.T) {
	cases := []struct {
		expr string
		tag  string
		want bool
	}{
		{"*", "anything", true},
		{"", "", true},
		{"a", "a", true},
		{"a", "b", false},
		{"a || b", "b", true},
		{"a||b||c", "c", true},
		{" TagA || TagB ", "TagC", false},
	}
	for _, c := range cases {
		f, err := mq.ParseTagFilter(c.expr)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, f.Match(c.tag), "%q on %q", c.expr, c.tag)
	}
	for _, bad := range []string{"a ||", "|| b", "a | b", "a || b c", "a* || b"} {
		_, err := mq.ParseTagFilter(bad)
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "%q: %v", bad, err)
	}
}

func TestTagPattern(t *testing.T) {
	cases := []struct {
		pattern string
		tag     string
		want    bool
	}{
		{"order.*", "order.created", true},
		{"order.*", "order", false},
		{"order.*", "order.created.eu", false},
		{"order.#", "order", true},
		{"order.#", "order.created.eu", true},
		{"#", "", true},
		{"#", "a.b.c", true},
		{"*", "a", true},
		{"*", "a.b", false},
		{"#.error", "error", true},
		{"#.error", "app.db.error", true},
		{"#.error", "app.db.warn", false},
		{"*.orange.*", "quick.orange.rabbit", true},
		{"*.*.rabbit", "lazy.orange.elephant", false},
		{"lazy.#", "lazy.brown.fox", true},
		{"a.#.z", "a.z", true},
		{"a.#.z", "a.b.c.z", true},
		{"a.#.z", "a.b.c", false},
	}
	for _, c := range cases {
		f, err := mq.ParseTagPattern(c.pattern)
		require.NoError(t, err, c.pattern)
		assert.Equal(t, c.want, f.Match(c.tag), "%q on %q", c.pattern, c.tag)
	}
	f, err := mq.ParseTagPattern("a.*", "b.#")
	require.NoError(t, err)
	assert.True(t, f.Match("b.x.y"))
	assert.Equal(t, []string{"a.*", "b.#"}, f.Patterns())
	for _, bad := range []string{"", "a..b", "a.*x", "a.#b", ".a"} {
		_, err := mq.ParseTagPattern(bad)
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "%q: %v", bad, err)
	}
	_, err = mq.ParseTagPattern()
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument))
}

// A long producer-controlled tag with patterns that made the backtracking
// matcher exponential in their "#"s: the work is bounded by the tag's words
// times the pattern's states (asserted on the matcher's step count, not on
// time).
func TestTagPatternLinearOnLongTags(t *testing.T) {
	long := strings.Repeat("order.", 16*1024) + "x" // 96 KB, 16385 words
	many := strings.Repeat("a.", 800) + "c"         // 1.6 KB
	for _, c := range []struct {
		pattern, tag string
		want         bool
	}{
		{"#.order.#.failed", long, false},
		{"#.order.#.failed", long + ".failed", true},
		{"#.a.#.a.#.b", many, false},
		{"#.a.#.a.#.c", many, true},
		{"#.*.#.*.#.*.#.*.#.z", many, false},
	} {
		f, err := mq.ParseTagPattern(c.pattern)
		require.NoError(t, err)
		got, steps := mq.PatternSteps(f, c.tag)
		assert.Equal(t, c.want, got, "%s", c.pattern)
		words := strings.Count(c.tag, ".") + 1
		states := strings.Count(c.pattern, ".") + 2
		assert.LessOrEqual(t, steps, words*states, "%s on %d words: %d steps", c.pattern, words, steps)
	}
}

func TestTagPatternLimits(t *testing.T) {
	_, err := mq.ParseTagPattern(strings.Repeat("a.", 128) + "b")
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "over MaxPatternLen: %v", err)
	p := strings.Repeat("*.", 127) + "#" // 255 bytes, 128 words: tags of 127 words or more
	require.Len(t, p, mq.MaxPatternLen)
	f, err := mq.ParseTagPattern(p)
	require.NoError(t, err)
	assert.True(t, f.Match(strings.Repeat("w.", 126)+"w"))
	assert.False(t, f.Match(strings.Repeat("w.", 125)+"w"))
	_, err = mq.ParseTagPattern("a.\x01")
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "control character: %v", err)
}

func TestTagFilterRefusesWhatNoTagCanBe(t *testing.T) {
	for _, bad := range []string{"a\x01", "a || b\x02", "\xff", "a\x7fb || c"} {
		_, err := mq.ParseTagFilter(bad)
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "%q: %v", bad, err)
	}
	f, err := mq.ParseTagFilter("标签 || grüße")
	require.NoError(t, err)
	assert.True(t, f.Match("grüße"))
}
