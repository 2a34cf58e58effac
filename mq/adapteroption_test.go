package mq_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// fakeOpt is an adapter's option value as its driver reads it back.
type fakeOpt string

func (fakeOpt) Backend() string { return "fake" }

func fakeCapsAll() driver.Capabilities {
	return driver.Capabilities{Backend: "fake", Features: driver.CapSyncPublish | driver.CapPull}
}

// An adapter option reaches the driver in the calls of its scope (Subscribe
// and Consumer get the Open ones first) and is refused elsewhere with an
// error naming the option and the call.
func TestAdapterOptionScope(t *testing.T) {
	ctx := context.Background()
	atOpen := mq.AdapterOption("fake.WithA", mq.ScopeOpen|mq.ScopeSubscribe, fakeOpt("open"))
	c, fc, err := openFake("adapter-option-scope", fakeCapsAll(), atOpen)
	require.NoError(t, err)
	defer c.Close(ctx)

	perPublish := mq.AdapterOption("fake.WithB", mq.ScopePublish, fakeOpt("publish"))
	require.NoError(t, c.Publish(ctx, "t", &mq.Message{Body: []byte("x")}, perPublish))
	fc.mu.Lock()
	assert.Equal(t, []driver.Option{fakeOpt("publish")}, fc.sendOpts[len(fc.sendOpts)-1])
	fc.mu.Unlock()

	h := func(context.Context, *mq.Message) error { return nil }
	sub, err := c.Subscribe(ctx, "t", h, atOpen)
	require.NoError(t, err)
	defer sub.Close(ctx)
	fc.mu.Lock()
	assert.Equal(t, []driver.Option{fakeOpt("open"), fakeOpt("open")}, fc.subCfgs[len(fc.subCfgs)-1].Options)
	fc.mu.Unlock()

	_, err = c.Subscribe(ctx, "t", h, perPublish)
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "fake.WithB applies to Publish, not Subscribe")

	_, err = c.NewConsumer(ctx, "t", atOpen)
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "fake.WithA applies to Open, Subscribe, not Consumer")

	err = c.Publish(ctx, "t", &mq.Message{}, mq.AdapterOption("fake.WithNil", mq.ScopePublish, nil))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "fake.WithNil")
}

// Concurrency is a Subscriber's handler count: a Consumer refuses it and
// holds what its Prefetch says.
func TestConsumerHoldsItsPrefetch(t *testing.T) {
	ctx := context.Background()
	c, fc, err := openFake("consumer-prefetch", fakeCapsAll())
	require.NoError(t, err)
	defer c.Close(ctx)

	_, err = c.NewConsumer(ctx, "t", mq.Concurrency(4))
	require.True(t, errors.Is(err, mq.ErrInvalidOption), "%v", err)
	assert.Contains(t, err.Error(), "Concurrency applies to Subscribe, not Consumer")

	k, err := c.NewConsumer(ctx, "t")
	require.NoError(t, err)
	defer k.Close(ctx)
	k2, err := c.NewConsumer(ctx, "t", mq.Prefetch(300))
	require.NoError(t, err)
	defer k2.Close(ctx)
	fc.mu.Lock()
	defer fc.mu.Unlock()
	require.Len(t, fc.subCfgs, 2)
	assert.Equal(t, mq.DefaultConcurrency, fc.subCfgs[0].Prefetch)
	assert.Equal(t, 300, fc.subCfgs[1].Prefetch)
}

// StartFrom takes mq's own positions and hands the driver its own.
func TestStartFromPositions(t *testing.T) {
	ctx := context.Background()
	c, fc, err := openFake("start-from", driver.Capabilities{Backend: "fake",
		Features: driver.CapSyncPublish | driver.CapPull | driver.CapStartOldest})
	require.NoError(t, err)
	defer c.Close(ctx)
	for _, s := range []mq.Start{mq.Oldest, mq.Newest} {
		k, err := c.NewConsumer(ctx, "t", mq.StartFrom(s))
		require.NoError(t, err, s.String())
		require.NoError(t, k.Close(ctx))
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	assert.Equal(t, driver.StartOldest, fc.subCfgs[0].Start.Kind)
	assert.Equal(t, driver.StartNewest, fc.subCfgs[1].Start.Kind)
}

// MessageFrom copies a driver message's fields into a Message that cannot
// be settled.
func TestMessageFrom(t *testing.T) {
	dm := &driver.Message{ID: "i", Key: "k", Tag: "t", Headers: map[string]string{"h": "v"}, Body: []byte("b"),
		Topic: "top", Partition: 2, Offset: 7, Attempt: 3, BrokerID: "b1"}
	m := mq.MessageFrom(dm)
	assert.Equal(t, "i", m.ID)
	assert.Equal(t, "k", m.Key)
	assert.Equal(t, "t", m.Tag)
	assert.Equal(t, "v", m.Header("h"))
	assert.Equal(t, []byte("b"), m.Body)
	assert.Equal(t, "top", m.Topic)
	assert.Equal(t, int32(2), m.Partition)
	assert.Equal(t, int64(7), m.Offset)
	assert.Equal(t, 3, m.Attempt)
	assert.Equal(t, "b1", m.BrokerID)
	assert.True(t, errors.Is(m.Ack(context.Background()), mq.ErrInvalidArgument))
}
