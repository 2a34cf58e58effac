package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// Readiness is the readiness test of a real broker: sub's connection to the
// broker goes through something the test can cut (a TCP proxy, a dialer),
// pub's does not. It subscribes on sub and checks that every message pub
// confirmed before, during and after cut(down) is handled, that
// Subscriber.State().Connected turns false within wait of the cut (with
// LastError matching mq.ErrUnavailable) and true again within wait of the
// end of the outage.
func Readiness(t *testing.T, pub, sub *mq.Client, topic, group string, down, wait time.Duration, cut func(down time.Duration)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait+down)
	defer cancel()
	var mu sync.Mutex
	got := map[string]int{}
	s := Subscribe(t, sub, topic, func(_ context.Context, m *mq.Message) error {
		mu.Lock()
		got[m.ID]++
		mu.Unlock()
		return nil
	}, mq.Group(group))
	var sent []string
	publish := func(phase string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s-%d", phase, i)
			if err := pub.Publish(ctx, topic, &mq.Message{ID: id, Body: []byte(id)}); err != nil {
				t.Fatalf("publish %s: %v", id, err)
			}
			sent = append(sent, id)
		}
	}
	waitFor := func(what string, within time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v (state %+v)", what, within, s.State())
			}
			time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
		}
	}
	handled := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range sent {
			if got[id] == 0 {
				return false
			}
		}
		return true
	}

	publish("before", 5)
	waitFor("messages before the outage handled", wait, handled)
	if st := s.State(); !st.Connected {
		t.Fatalf("state before the outage: %+v", st)
	}
	cutAt := time.Now()
	cut(down)
	waitFor("Connected false after the cut", wait, func() bool { return !s.State().Connected })
	st := s.State()
	t.Logf("not connected %v after the cut: %v", st.Since.Sub(cutAt).Round(time.Millisecond), st.LastError)
	if st.LastError == nil || CodeOf(st.LastError) != mq.CodeOf(mq.ErrUnavailable) {
		t.Errorf("LastError while cut: %v, want one matching mq.ErrUnavailable", st.LastError)
	}
	publish("during", 5)
	upFrom := cutAt.Add(down)
	waitFor("Connected true after the outage", time.Until(upFrom)+wait, func() bool { return s.State().Connected })
	t.Logf("connected again %v after the outage ended", time.Since(upFrom).Round(time.Millisecond))
	publish("after", 5)
	waitFor("every confirmed message handled", wait, handled)
}

// CodeOf is mq.CodeOf, for the callers' brevity.
func CodeOf(err error) mq.Code { return mq.CodeOf(err) }
