package exampleutil

import (
	"context"
	"errors"
	"testing"
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
