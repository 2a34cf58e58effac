package dedup

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// clock is a settable time source for MemoryStore.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newTestStore(n int, ttl time.Duration) (*MemoryStore, *clock) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := NewMemoryStore(n, ttl)
	s.now = c.now
	return s, c
}

func seen(t *testing.T, s *MemoryStore, key string) bool {
	t.Helper()
	ok, err := s.Seen(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestMemoryStoreTTL(t *testing.T) {
	s, c := newTestStore(10, time.Minute)
	ctx := context.Background()
	_ = s.Mark(ctx, "a")
	c.advance(30 * time.Second)
	_ = s.Mark(ctx, "b")
	if !seen(t, s, "a") || !seen(t, s, "b") || seen(t, s, "c") {
		t.Fatal("within the TTL: want a and b seen, c not")
	}
	c.advance(30 * time.Second) // a is a minute old
	if seen(t, s, "a") || !seen(t, s, "b") || s.Len() != 1 {
		t.Fatalf("a past its TTL: seen %v, b %v, len %d", seen(t, s, "a"), seen(t, s, "b"), s.Len())
	}
	// Marking again restarts the TTL.
	c.advance(20 * time.Second)
	_ = s.Mark(ctx, "b")
	c.advance(50 * time.Second)
	if !seen(t, s, "b") {
		t.Fatal("b marked again 50s ago is forgotten")
	}
}

func TestMemoryStoreCapacity(t *testing.T) {
	s, c := newTestStore(3, time.Hour)
	ctx := context.Background()
	for i := range 5 {
		_ = s.Mark(ctx, fmt.Sprint("k", i))
		c.advance(time.Second)
	}
	if s.Len() != 3 || seen(t, s, "k0") || seen(t, s, "k1") || !seen(t, s, "k2") || !seen(t, s, "k4") {
		t.Fatalf("after 5 marks in a store of 3: len %d; want k2..k4 only", s.Len())
	}
	_ = s.Mark(ctx, "k2") // now the newest: k3 goes next
	_ = s.Mark(ctx, "k5")
	if seen(t, s, "k3") || !seen(t, s, "k2") || !seen(t, s, "k5") {
		t.Fatal("the re-marked key was evicted before an older one")
	}
}

func TestNewMemoryStoreRefusesNonPositive(t *testing.T) {
	for _, c := range []struct {
		n   int
		ttl time.Duration
	}{{0, time.Second}, {1, 0}, {-1, -time.Second}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewMemoryStore(%d, %v) did not panic", c.n, c.ttl)
				}
			}()
			NewMemoryStore(c.n, c.ttl)
		}()
	}
}
