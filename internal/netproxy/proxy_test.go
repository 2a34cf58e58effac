package netproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer answers every line with the same line; it ends with the test.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	connc := make(chan net.Conn)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connc <- c
			go func() { _, _ = io.Copy(c, c) }()
		}
	}()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for c := range connc {
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		close(connc)
		<-collected
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReader(c)
}

// roundTrip sends a line and returns the echo, or the read error after d.
func roundTrip(c net.Conn, r *bufio.Reader, d time.Duration) (string, error) {
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(d))
	return r.ReadString('\n')
}

func TestRelays(t *testing.T) {
	p := newProxy(t)
	c, r := dial(t, p.Addr())
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	if n := p.Relayed(); n != 1 {
		t.Fatalf("Relayed = %d, want 1", n)
	}
}

func TestLatency(t *testing.T) {
	p := newProxy(t)
	c, r := dial(t, p.Addr())
	p.SetLatency(200 * time.Millisecond)
	start := time.Now()
	if _, err := roundTrip(c, r, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// both directions are delayed: at least 2 × 200 ms
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("round trip took %v with 200 ms added each way", d)
	}
}

func TestHalfOpenSilencesWithoutClosing(t *testing.T) {
	p := newProxy(t)
	c, r := dial(t, p.Addr())
	if _, err := roundTrip(c, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := p.HalfOpen(); n != 1 {
		t.Fatalf("HalfOpen silenced %d connections, want 1", n)
	}
	_, err := roundTrip(c, r, 300*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("silent connection: read error %v, want a timeout (not closed)", err)
	}
	if n := p.Relayed(); n != 0 {
		t.Fatalf("Relayed = %d after HalfOpen, want 0", n)
	}
	// a new connection is relayed
	c2, r2 := dial(t, p.Addr())
	if got, err := roundTrip(c2, r2, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("new connection after HalfOpen: %q, %v", got, err)
	}
}

func TestCutOffAndHeal(t *testing.T) {
	p := newProxy(t)
	c, r := dial(t, p.Addr())
	if _, err := roundTrip(c, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.CutOff()
	if _, err := roundTrip(c, r, 300*time.Millisecond); err == nil {
		t.Fatal("a connection of a cut-off node answered")
	}
	c2, r2 := dial(t, p.Addr()) // accepted, never answered
	var ne net.Error
	if _, err := roundTrip(c2, r2, 300*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("new connection while cut off: %v, want a timeout", err)
	}
	p.Heal()
	c3, r3 := dial(t, p.Addr())
	if got, err := roundTrip(c3, r3, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("after Heal: %q, %v", got, err)
	}
}

// TestHalfOpenHidesTheServersClose: the server closing a silent connection does not reach the
// client (no FIN through a dead path).
func TestHalfOpenHidesTheServersClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	p, err := New(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	c, _ := dial(t, p.Addr())
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	waitRelayed(t, p, 1)
	p.HalfOpen()
	_ = s.Close()
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("client read after the server closed a silent connection: %v, want a timeout", err)
	}
}

// waitRelayed waits (5 s at most) until p relays n connections.
func waitRelayed(t *testing.T, p *Proxy, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Relayed() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Relayed = %d, want %d", p.Relayed(), n)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}
