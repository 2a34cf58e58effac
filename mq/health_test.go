package mq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

func TestSubscriberState(t *testing.T) {
	ctx := context.Background()
	c := open(t)
	before := time.Now()
	sub, err := c.Subscribe(ctx, "state", func(context.Context, *mq.Message) error { return nil })
	require.NoError(t, err)
	st := sub.State()
	assert.True(t, st.Connected)
	assert.False(t, st.Since.Before(before))
	assert.NoError(t, st.LastError)
	require.NoError(t, sub.Close(ctx))
	st = sub.State()
	assert.False(t, st.Connected)
	assert.ErrorIs(t, st.LastError, mq.ErrClosed)
}
