package kit

import (
	"testing"
	"time"
)

func TestInFlightIdle(t *testing.T) {
	var f InFlight
	select {
	case <-f.Idle():
	default:
		t.Fatal("Idle is not closed with nothing in flight")
	}
	f.Start()
	f.Start()
	idle := f.Idle()
	f.Done()
	select {
	case <-idle:
		t.Fatal("Idle closed with one operation in flight")
	default:
	}
	go f.Done()
	select {
	case <-idle:
	case <-time.After(5 * time.Second):
		t.Fatal("Idle not closed after the last Done")
	}
	f.Start() // counting again after idle
	if ch := f.Idle(); ch == idle {
		t.Fatal("Idle returned a closed channel while an operation is in flight")
	}
	f.Done()
}
