package mq_test

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// fakeScheme is a test-only backend: it stores what is sent and delivers
// nothing. Its capabilities are those of fakeCaps[host] (default: every
// publishing feature, base topic rule). It lets the input-rule and URL tests
// set a backend's declared rules without a real backend.
const fakeScheme = "fakemq"

var (
	fakeMu   sync.Mutex
	fakeCaps = map[string]driver.Capabilities{}
)

func init() {
	mq.Register(fakeScheme, func(ctx context.Context, u *url.URL, cfg *driver.OpenConfig) (driver.Conn, error) {
		fakeMu.Lock()
		defer fakeMu.Unlock()
		caps, ok := fakeCaps[u.Host]
		if !ok {
			caps = driver.Capabilities{Backend: "fake", Features: driver.CapSyncPublish | driver.CapAsyncPublish |
				driver.CapOneWay | driver.CapBatch | driver.CapTransactions | driver.CapPull | driver.CapDelay}
		}
		return &fakeConn{caps: caps}, nil
	})
}

// openFake opens a fake backend with caps under a name of its own.
func openFake(name string, caps driver.Capabilities, opts ...mq.Option) (*mq.Client, *fakeConn, error) {
	fakeMu.Lock()
	fakeCaps[name] = caps
	fakeMu.Unlock()
	c, err := mq.Open(context.Background(), fakeScheme+"://"+name, opts...)
	if err != nil {
		return nil, nil, err
	}
	var fc *fakeConn
	c.As(&fc)
	return c, fc, nil
}

type fakeConn struct {
	caps        driver.Capabilities
	mu          sync.Mutex
	sent        []*driver.Message
	refuseAsync error                        // SendAsync returns it without queueing
	sendOpts    [][]driver.Option            // SendOptions.Options of each Send
	subCfgs     []*driver.SubscriptionConfig // each Subscribe's config
}

func (f *fakeConn) Capabilities() driver.Capabilities { return f.caps }

func (f *fakeConn) Send(ctx context.Context, topic string, msgs []*driver.Message, so driver.SendOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sendOpts = append(f.sendOpts, so.Options)
	for _, m := range msgs {
		cp := *m
		f.sent = append(f.sent, &cp)
	}
	return nil
}

func (f *fakeConn) SendAsync(ctx context.Context, topic string, m *driver.Message, so driver.SendOptions, done func(error)) error {
	if f.refuseAsync != nil {
		return f.refuseAsync
	}
	err := f.Send(ctx, topic, []*driver.Message{m}, so)
	done(err)
	return nil
}

func (f *fakeConn) SendTx(ctx context.Context, topic string, msgs []*driver.Message, local func(context.Context) driver.TxState, so driver.SendOptions) (driver.TxState, error) {
	st := local(ctx)
	if st == driver.TxCommit {
		return st, f.Send(ctx, topic, msgs, so)
	}
	return st, nil
}

func (f *fakeConn) Declare(ctx context.Context, topic string, groups []string) error { return nil }

func (f *fakeConn) Subscribe(ctx context.Context, cfg *driver.SubscriptionConfig) (driver.Subscription, error) {
	f.mu.Lock()
	f.subCfgs = append(f.subCfgs, cfg)
	f.mu.Unlock()
	return fakeSub{}, nil
}

func (f *fakeConn) Close(ctx context.Context) error { return nil }

func (f *fakeConn) As(target any) bool {
	if p, ok := target.(**fakeConn); ok {
		*p = f
		return true
	}
	return false
}

func (f *fakeConn) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

type fakeSub struct{}

func (fakeSub) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (fakeSub) Ack(context.Context, []*driver.Message) error               { return nil }
func (fakeSub) Nack(context.Context, *driver.Message, time.Duration) error { return nil }
func (fakeSub) DeadLetter(context.Context, *driver.Message, string) error  { return nil }
func (fakeSub) Close(context.Context) error                                { return nil }
func (fakeSub) As(any) bool                                                { return false }
