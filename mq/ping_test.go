package mq_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// pingScheme opens a fakeConn that also implements driver.Pinger: its Ping
// answers with what the test set, or waits for ctx when hang is set.
const pingScheme = "fakemqping"

type pingConn struct {
	*fakeConn
	mu    sync.Mutex
	err   error
	hang  bool
	calls int
}

func (p *pingConn) Ping(ctx context.Context) error {
	p.mu.Lock()
	p.calls++
	err, hang := p.err, p.hang
	p.mu.Unlock()
	if hang {
		<-ctx.Done()
		return driver.Errorf(driver.CodeUnavailable, "ping", "no answer: %w", errors.New("read: i/o timeout"))
	}
	return err
}

func (p *pingConn) set(err error, hang bool) {
	p.mu.Lock()
	p.err, p.hang = err, hang
	p.mu.Unlock()
}

func (p *pingConn) As(target any) bool {
	if q, ok := target.(**pingConn); ok {
		*q = p
		return true
	}
	return p.fakeConn.As(target)
}

func init() {
	mq.Register(pingScheme, func(ctx context.Context, u *url.URL, cfg *driver.OpenConfig) (driver.Conn, error) {
		return &pingConn{fakeConn: &fakeConn{caps: driver.Capabilities{Backend: "fakeping", Features: driver.CapSyncPublish}}}, nil
	})
}

func TestPingReportsTheBrokersAnswer(t *testing.T) {
	ctx := context.Background()
	c, err := mq.Open(ctx, pingScheme+"://x")
	require.NoError(t, err)
	var p *pingConn
	require.True(t, c.As(&p))

	require.NoError(t, c.Ping(ctx))

	// A plain driver error is classified as unavailable (retryable).
	p.set(errors.New("dial tcp: connection refused"), false)
	err = c.Ping(ctx)
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.Contains(t, err.Error(), "connection refused")

	// A coded driver error keeps its code, wrapped once.
	p.set(driver.Errorf(driver.CodeRejected, "ping", "access denied"), false)
	err = c.Ping(ctx)
	require.ErrorIs(t, err, mq.ErrRejected)

	// A broker that does not answer: ctx's deadline decides, as ErrTimeout.
	p.set(nil, true)
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = c.Ping(dctx)
	cancel()
	require.ErrorIs(t, err, mq.ErrTimeout)
	require.NotErrorIs(t, err, mq.ErrUnavailable, "one code per error")

	cctx, cancel := context.WithCancel(ctx)
	go cancel()
	require.ErrorIs(t, c.Ping(cctx), mq.ErrCanceled)

	// A ctx already done does not reach the broker.
	p.set(nil, false)
	p.mu.Lock()
	before := p.calls
	p.mu.Unlock()
	require.ErrorIs(t, c.Ping(cctx), mq.ErrCanceled)
	p.mu.Lock()
	require.Equal(t, before, p.calls)
	p.mu.Unlock()

	require.NoError(t, c.Close(ctx))
	require.ErrorIs(t, c.Ping(ctx), mq.ErrClosed)
}

func TestPingUnsupportedWithoutPinger(t *testing.T) {
	c, _, err := openFake("noping", driver.Capabilities{Backend: "fake", Features: driver.CapSyncPublish})
	require.NoError(t, err)
	defer c.Close(context.Background())
	require.ErrorIs(t, c.Ping(context.Background()), mq.ErrUnsupported)
}
