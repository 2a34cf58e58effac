package otelmq

import (
	"strconv"
	"testing"
)

// The cache holds at most maxSets sets and still answers past it.
func TestSetCacheBounded(t *testing.T) {
	var c setCache
	for i := 0; i < maxSets+10; i++ {
		c.get(setKey{op: opSend, system: "kafka", topic: "t" + strconv.Itoa(i)})
	}
	if n := c.n.Load(); n != maxSets {
		t.Fatalf("%d sets cached, want %d", n, maxSets)
	}
	if c.get(setKey{op: opSend, system: "kafka", topic: "beyond"}) == nil {
		t.Fatal("no set past the bound")
	}
	if a, b := c.get(setKey{op: opSend, system: "kafka", topic: "t1"}), c.get(setKey{op: opSend, system: "kafka", topic: "t1"}); a != b {
		t.Fatal("a cached set is built again")
	}
}
