package typedtest

import (
	"context"
	"sync"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/mq/typed"
)

// order and payment are the values the suite sends.
type order struct {
	ID   int      `json:"id"`
	Item string   `json:"item"`
	Tags []string `json:"tags,omitempty"`
}

type payment struct {
	Order  int    `json:"order"`
	Amount string `json:"amount"`
}

// values records decoded values by message ID.
type values[T any] struct {
	mu sync.Mutex
	m  map[string][]T
}

func (v *values[T]) add(id string, x T) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][]T{}
	}
	v.m[id] = append(v.m[id], x)
}

func (v *values[T]) of(id string) []T {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m[id]
}

// record returns a typed handler that keeps the value and records the
// message in col.
func record[T any](vals *values[T], col *mqtest.Collector) typed.Handler[T] {
	return func(ctx context.Context, x T, m *mq.Message) error {
		vals.add(m.ID, x)
		return col.Handler("typed", nil)(ctx, m)
	}
}
