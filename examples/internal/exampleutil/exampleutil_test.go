package exampleutil

import (
	"context"
	"errors"
	"testing"

	"github.com/unimq/unimq/mq"
)

// Wait hands every value to each and ends when n arrived.
func TestWaitCountsValues(t *testing.T) {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	ch <- 3
	sum := 0
	if err := Wait(context.Background(), ch, 3, func(v int) { sum += v }); err != nil {
		t.Fatal(err)
	}
	if sum != 6 {
		t.Fatalf("sum = %d, want 6", sum)
	}
}

// Wait returns the context's error when fewer than n values arrive.
func TestWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ch := make(chan int, 1)
	err := Wait(ctx, ch, 2, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// An inbox passes on the messages it stamped and ignores the others.
func TestInboxKeepsThisRunsMessages(t *testing.T) {
	in := NewInbox(2)
	ctx := context.Background()
	old := &mq.Message{Body: []byte("an earlier run's")}
	old.SetHeader("run", "earlier")
	for _, m := range []*mq.Message{old, in.Stamp(&mq.Message{Body: []byte("a")}), {Body: []byte("unmarked")}, in.Stamp(&mq.Message{Body: []byte("b")})} {
		if err := in.Handle(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := in.Wait(ctx, 2, func(m *mq.Message) { got = append(got, string(m.Body)) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("got %q, want [a b]", got)
	}
	// A sibling keeps what its inbox stamped.
	sib := in.Sibling(1)
	if err := sib.Handle(ctx, in.Stamp(&mq.Message{Body: []byte("c")})); err != nil {
		t.Fatal(err)
	}
	if err := sib.Wait(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	// Full: Handle gives up with its context.
	in = NewInbox(0)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := in.Handle(cctx, in.Stamp(&mq.Message{})); !errors.Is(err, context.Canceled) {
		t.Fatalf("Handle on a full inbox: %v", err)
	}
}
