package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestInterruptEndsCleanly: consume, tail and bridge stop on an interrupt
// (the command's ctx canceled, as SIGINT/SIGTERM do) with status 0.
func TestInterruptEndsCleanly(t *testing.T) {
	u := memURL(t)
	for _, args := range [][]string{
		{"consume", u, "t"},
		{"tail", u, "t"},
		{"bridge", u, "t", u, "t2", "--progress", "0"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stderr := new(brokertest.SyncBuffer)
		code := make(chan int, 1)
		go func() {
			code <- run(ctx, args, nil, new(strings.Builder), stderr, func(string) string { return "" })
		}()
		wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
		waitFor(t, wctx, args[0]+" to subscribe", func() bool {
			return strings.Contains(stderr.String(), "consuming ") || strings.Contains(stderr.String(), "bridging ")
		})
		wcancel()
		cancel()
		if c := <-code; c != exitOK {
			t.Fatalf("%v: exit %d: %s", args, c, stderr.String())
		}
	}
}
