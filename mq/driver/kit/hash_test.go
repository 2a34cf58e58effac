package kit

import (
	"hash/fnv"
	"testing"
)

func TestFNV1aMatchesTheStandardLibrary(t *testing.T) {
	// Reference values of 32-bit FNV-1a.
	for s, want := range map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968} {
		if got := FNV1a(s); got != want {
			t.Errorf("FNV1a(%q) = %#x, want %#x", s, got, want)
		}
	}
	for _, s := range []string{"order-4711", "ü", "\x00\xff"} {
		h := fnv.New32a()
		_, _ = h.Write([]byte(s))
		if got := FNV1a(s); got != h.Sum32() {
			t.Errorf("FNV1a(%q) = %#x, hash/fnv says %#x", s, got, h.Sum32())
		}
	}
}
