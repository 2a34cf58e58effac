package mq

import (
	"errors"
	"testing"
	"time"
)

// The recorder: a failure makes the state disconnected since then, with the
// error and a count; a success reconnects it and resets the count; a
// success while connected changes nothing.
func TestHealthRecorder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := newHealth(t0)
	h.ok()
	if st := h.state(); !st.Connected || !st.Since.Equal(t0) || st.LastError != nil {
		t.Fatalf("fresh: %+v", st)
	}
	boom := errors.New("connection refused")
	h.failed(boom, t0.Add(2*time.Second))
	h.failed(boom, t0.Add(3*time.Second))
	st := h.state()
	if st.Connected || !st.Since.Equal(t0.Add(2*time.Second)) || st.LastError != boom ||
		!st.LastErrorAt.Equal(t0.Add(3*time.Second)) || st.Failures != 2 {
		t.Fatalf("after two failures: %+v", st)
	}
	before := time.Now()
	h.ok()
	st = h.state()
	if !st.Connected || st.Since.Before(before) || st.Failures != 0 || st.LastError != boom {
		t.Fatalf("after recovery: %+v", st)
	}
}
