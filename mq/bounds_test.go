package mq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// Sizes out of bounds are ErrInvalidOption / ErrInvalidArgument, never a
// panic (Concurrency(1<<62) and Prefetch(1<<62) panicked making buffers;
// Consumer.Ack(nil) dereferenced nil).
func TestBoundsNeverPanic(t *testing.T) {
	c := open(t)
	ctx := context.Background()
	h := func(context.Context, *mq.Message) error { return nil }
	noPanic := func(what string, f func() error) error {
		t.Helper()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panicked: %v", what, r)
				}
			}()
			err = f()
		}()
		return err
	}
	sub := func(opts ...mq.Option) func() error {
		return func() error {
			s, err := c.Subscribe(ctx, "bounds", h, opts...)
			if err == nil {
				_ = s.Close(ctx)
			}
			return err
		}
	}
	for _, o := range []struct {
		name string
		opt  mq.Option
	}{
		{"Concurrency(1<<62)", mq.Concurrency(1 << 62)},
		{"Concurrency(MaxConcurrency+1)", mq.Concurrency(mq.MaxConcurrency + 1)},
		{"Prefetch(1<<62)", mq.Prefetch(1 << 62)},
		{"Prefetch(MaxPrefetch+1)", mq.Prefetch(mq.MaxPrefetch + 1)},
		{"Prefetch(-1)", mq.Prefetch(-1)},
	} {
		err := noPanic(o.name, sub(o.opt))
		assert.True(t, errors.Is(err, mq.ErrInvalidOption), "%s: %v", o.name, err)
		assert.Contains(t, fmt.Sprint(err), "must be from 1 to", o.name)
	}
	assert.NoError(t, noPanic("at the maxima", sub(mq.Concurrency(mq.MaxConcurrency), mq.Prefetch(mq.MaxPrefetch))))

	k, err := c.NewConsumer(ctx, "bounds", mq.Group("g"))
	require.NoError(t, err)
	defer k.Close(ctx)
	err = noPanic("Consumer.Ack(nil)", func() error { return k.Ack(ctx, nil) })
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "Ack(nil): %v", err)
	var m *mq.Message
	err = noPanic("(*Message)(nil).Ack", func() error { return m.Ack(ctx) })
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "nil Ack: %v", err)
	err = noPanic("(*Message)(nil).Nack", func() error { return m.Nack(ctx, nil) })
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "nil Nack: %v", err)
	err = noPanic("Receive(1<<62)", func() error { _, err := k.Receive(ctx, 1<<62, time.Millisecond); return err })
	assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "Receive(1<<62): %v", err)
}
