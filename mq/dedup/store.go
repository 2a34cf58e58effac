package dedup

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// Store records the keys of messages processed successfully. Implement it
// over a shared database for groups whose duplicates can reach another
// process (see the package documentation). Methods are called
// concurrently.
type Store interface {
	// Seen reports whether key was recorded by Mark and is still
	// remembered.
	Seen(ctx context.Context, key string) (bool, error)
	// Mark records key as processed.
	Mark(ctx context.Context, key string) error
}

// MemoryStore is a Store in this process's memory, bounded in size and
// time: it remembers at most its capacity of keys, each for its TTL after
// it was marked, and forgets the oldest marked first when full. Expired
// keys are dropped as it is used (no goroutine). Safe for concurrent use.
type MemoryStore struct {
	capacity int
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	order *list.List // of *entry, oldest marked first
	keys  map[string]*list.Element
}

type entry struct {
	key string
	at  time.Time
}

// NewMemoryStore returns a MemoryStore of at most capacity keys, each
// remembered for ttl. It panics when capacity or ttl is not positive.
func NewMemoryStore(capacity int, ttl time.Duration) *MemoryStore {
	if capacity < 1 || ttl <= 0 {
		panic(fmt.Sprintf("dedup.NewMemoryStore: capacity %d and ttl %v must be positive", capacity, ttl))
	}
	return &MemoryStore{capacity: capacity, ttl: ttl, now: time.Now, order: list.New(), keys: map[string]*list.Element{}}
}

// Seen reports whether key was marked less than the TTL ago and not
// evicted since. It never fails.
func (s *MemoryStore) Seen(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	_, ok := s.keys[key]
	return ok, nil
}

// Mark remembers key from now for the TTL, evicting the oldest marked key
// when the store is full. It never fails.
func (s *MemoryStore) Mark(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	now := s.now()
	if el, ok := s.keys[key]; ok {
		el.Value.(*entry).at = now
		s.order.MoveToBack(el)
		return nil
	}
	for s.order.Len() >= s.capacity {
		s.remove(s.order.Front())
	}
	s.keys[key] = s.order.PushBack(&entry{key: key, at: now})
	return nil
}

// Len returns how many keys the store remembers.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	return s.order.Len()
}

// expire drops the keys marked a TTL ago or more: they are at the front,
// since the list is in marking order.
func (s *MemoryStore) expire() {
	cut := s.now().Add(-s.ttl)
	for el := s.order.Front(); el != nil && !el.Value.(*entry).at.After(cut); el = s.order.Front() {
		s.remove(el)
	}
}

func (s *MemoryStore) remove(el *list.Element) {
	delete(s.keys, el.Value.(*entry).key)
	s.order.Remove(el)
}
