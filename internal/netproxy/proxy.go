// Package netproxy is a TCP relay for tests that put network faults between
// a client and one broker node: added latency, connections that go silent
// without closing (half-open), and a node cut off (every connection silent,
// new ones accepted but never answered) until healed.
//
// A Proxy owns one accept goroutine and two goroutines per relayed
// connection; Close ends them all and waits for them. Its methods are safe
// for concurrent use and do not block, except Close.
package netproxy

import (
	"net"
	"sync"
	"time"
)

// Proxy relays connections from its listener to one target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   map[*relay]struct{}
	latency time.Duration
	cutOff  bool // new connections are accepted and then left silent
	closed  bool
	wg      sync.WaitGroup
}

// relay is one client connection and its connection to the target.
type relay struct {
	client, server net.Conn // server is nil while cut off
	silent         bool     // forwards nothing, ever again (guarded by Proxy.mu)
	ended          int      // pipes that returned (guarded by Proxy.mu)
}

// New listens on 127.0.0.1 (a free port) and relays to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[*relay]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy relays to.
func (p *Proxy) Target() string { return p.target }

// SetLatency delays every chunk relayed from now on by d, both ways (0: none).
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// HalfOpen makes every connection relayed now go silent for good, both ways, without
// closing it: what a client sees when the path to its node dies without a FIN or RST.
// New connections are relayed normally. It returns how many connections went silent.
func (p *Proxy) HalfOpen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for r := range p.conns {
		if !r.silent {
			r.silent = true
			n++
		}
	}
	return n
}

// CutOff cuts the node off: every connection relayed now goes silent for good (as HalfOpen),
// and new connections are accepted but never relayed nor answered, until Heal.
func (p *Proxy) CutOff() int {
	p.mu.Lock()
	p.cutOff = true
	p.mu.Unlock()
	return p.HalfOpen()
}

// Heal ends CutOff: new connections are relayed again (silent ones stay silent).
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.cutOff = false
	p.mu.Unlock()
}

// Relayed returns how many client connections are open and forwarding.
func (p *Proxy) Relayed() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for r := range p.conns {
		if !r.silent {
			n++
		}
	}
	return n
}

// Close stops listening, closes every connection and waits for the relay goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for r := range p.conns {
		r.close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (r *relay) close() {
	_ = r.client.Close()
	if r.server != nil {
		_ = r.server.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		r := &relay{client: c}
		p.mu.Lock()
		cut := p.cutOff
		p.mu.Unlock()
		if !cut {
			s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
			if err != nil {
				_ = c.Close() // the node refuses: so does the proxy
				continue
			}
			r.server = s
		} else {
			r.silent = true
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			r.close()
			continue
		}
		p.conns[r] = struct{}{}
		p.wg.Add(1)
		if r.server != nil {
			p.wg.Add(1)
			go p.pipe(r, r.server, r.client)
			go p.pipe(r, r.client, r.server)
		} else {
			go p.drain(r)
		}
		p.mu.Unlock()
	}
}

// pipe copies src to dst until either closes, dropping what it reads once r is silent.
func (p *Proxy) pipe(r *relay, dst, src net.Conn) {
	defer p.wg.Done()
	defer p.ended(r, src)
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			silent, latency := r.silent, p.latency
			p.mu.Unlock()
			if !silent {
				if latency > 0 {
					time.Sleep(latency) // the fault: added latency on this chunk
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return // EOF, reset, or closed by forget/Close: the relay ends
		}
	}
}

// drain reads and drops what the client of a cut-off connection sends, until it closes.
func (p *Proxy) drain(r *relay) {
	defer p.wg.Done()
	defer p.forget(r)
	buf := make([]byte, 4096)
	for {
		if _, err := r.client.Read(buf); err != nil {
			return
		}
	}
}

// ended is called when the pipe reading src returns. A live relay passes the end on (both
// sides closed). A silent one must not tell the other side: only src is closed, and the relay
// ends when the other pipe does too (its peer gave up, or Close).
func (p *Proxy) ended(r *relay, src net.Conn) {
	p.mu.Lock()
	r.ended++
	last, silent := r.ended == 2, r.silent
	p.mu.Unlock()
	if silent && !last {
		_ = src.Close()
		return
	}
	p.forget(r)
}

// forget closes both sides of r and drops it from the relayed set.
func (p *Proxy) forget(r *relay) {
	r.close()
	p.mu.Lock()
	delete(p.conns, r)
	p.mu.Unlock()
}
