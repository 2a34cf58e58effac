package rocketmq_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// nsProxy relays TCP connections to a name server; silent makes it accept
// new connections and answer nothing (a hung name server), stop closes its
// listener and every relayed connection (a name server gone).
type nsProxy struct {
	ln     net.Listener
	target string
	silent atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newNSProxy(t *testing.T, target string) *nsProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &nsProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.stop)
	return p
}

func (p *nsProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	p.mu.Unlock()
}

func (p *nsProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.silent.Load() {
			p.track(c) // held open, never answered; closed by stop
			continue
		}
		b, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.track(c, b)
		p.wg.Add(2)
		go p.pipe(c, b)
		go p.pipe(b, c)
	}
}

func (p *nsProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

func (p *nsProxy) stop() {
	p.once.Do(func() {
		_ = p.ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
}

// TestPingRoundTrips: Ping answers while the name server (reached through
// a proxy) and the broker answer, fails with mq.ErrTimeout when its ctx
// ends before a hung name server answers, and with mq.ErrUnavailable,
// promptly, once the name server is gone; ErrClosed after Close.
func TestPingRoundTrips(t *testing.T) {
	raw := brokerURL(t)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	p := newNSProxy(t, u.Host)
	u.Host = p.ln.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := mq.Open(ctx, u.String())
	require.NoError(t, err)
	defer func() { _ = c.Close(context.Background()) }()

	start := time.Now()
	require.NoError(t, c.Ping(ctx))
	t.Logf("ping: %v", time.Since(start))

	p.silent.Store(true)
	pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	start = time.Now()
	err = c.Ping(pctx)
	pcancel()
	require.ErrorIs(t, err, mq.ErrTimeout)
	require.Less(t, time.Since(start), 3*time.Second, "ends with its ctx")

	p.stop()
	pctx, pcancel = context.WithTimeout(ctx, 10*time.Second)
	start = time.Now()
	err = c.Ping(pctx)
	pcancel()
	require.ErrorIs(t, err, mq.ErrUnavailable)
	require.Less(t, time.Since(start), 10*time.Second, "fails before its ctx ends")
	t.Logf("ping with the name server gone: %v after %v", err, time.Since(start))

	cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer ccancel()
	require.NoError(t, c.Close(cctx))
	require.ErrorIs(t, c.Ping(ctx), mq.ErrClosed)
}

// TestPingDirect: against the name server itself, Ping reaches the broker
// too (no credentials needed on the open broker).
func TestPingDirect(t *testing.T) {
	c := openClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, c.Ping(ctx))
}
