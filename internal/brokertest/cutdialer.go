package brokertest

import (
	"errors"
	"net"
	"sync"
	"time"
)

// CutDialer dials TCP connections that the test can cut all at once, as a
// network failure does: Cut closes every connection it dialed and refuses
// new dials for a while. It is the in-process counterpart of a TCP proxy
// for a client that connects to addresses the broker advertises (Kafka's
// metadata), which a proxy in front of the bootstrap address would miss.
type CutDialer struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	until time.Time // refuse dials until then
}

// errCut is what a dial gets while the network is cut.
var errCut = errors.New("brokertest: network cut")

// Dial dials addr (5 s timeout) unless the network is cut.
func (d *CutDialer) Dial(network, addr string) (net.Conn, error) {
	d.mu.Lock()
	cut := time.Now().Before(d.until)
	d.mu.Unlock()
	if cut {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errCut}
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, d: d}
	d.mu.Lock()
	if d.conns == nil {
		d.conns = map[net.Conn]struct{}{}
	}
	d.conns[tc] = struct{}{}
	d.mu.Unlock()
	return tc, nil
}

// Cut closes every connection dialed and refuses dials for down.
func (d *CutDialer) Cut(down time.Duration) {
	d.mu.Lock()
	d.until = time.Now().Add(down)
	conns := d.conns
	d.conns = nil
	d.mu.Unlock()
	for c := range conns {
		_ = c.(*trackedConn).Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	d *CutDialer
}

func (c *trackedConn) Close() error {
	c.d.mu.Lock()
	delete(c.d.conns, c)
	c.d.mu.Unlock()
	return c.Conn.Close()
}
