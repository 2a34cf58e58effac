package mq_test

import (
	"errors"
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

func FuzzTagPattern(f *testing.F) {
	f.Add("a.#.z", "a.b.z")
	f.Add("*.x", "y.x")
	f.Fuzz(func(t *testing.T, pattern, tag string) {
		flt, err := mq.ParseTagPattern(pattern)
		if err != nil {
			return
		}
		_ = flt.Match(tag) // must not panic or hang
		if pattern == "#" && !flt.Match(tag) {
			t.Fatalf("# must match %q", tag)
		}
	})
}
