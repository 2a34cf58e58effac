package main

import (
	"strings"
	"testing"
	"time"
)

// TestPublishModes: generated bodies of --size, --async and --oneway
// confirmations, --rate pacing and --delay on memory.
func TestPublishModes(t *testing.T) {
	u := memURL(t)
	r := mustRun(t, u, "", "publish", "t", "--count", "3", "--size", "50", "--async", "--id", "g")
	if strings.Count(r.stdout, "confirmed topic=t ") != 3 || !strings.Contains(r.stdout, "id=g-3") || !strings.Contains(r.stderr, "published 3 messages") {
		t.Fatalf("--async: %+v", r)
	}
	r = mustRun(t, u, "", "publish", "t", "--oneway", "x", "y")
	if r.stdout != "" || !strings.Contains(r.stderr, "published 2 messages") {
		t.Fatalf("--oneway: %+v", r)
	}
	start := time.Now()
	mustRun(t, u, "", "publish", "t", "--rate", "20", "--quiet", "a", "b", "c", "d", "e")
	if d := time.Since(start); d < 200*time.Millisecond { // 4 intervals of 50 ms at least
		t.Fatalf("5 messages at --rate 20 took %v", d)
	}
	r = mustRun(t, u, "", "consume", "t", "--group", "g", "--from", "oldest", "--count", "10", "--format", "json")
	n50 := 0
	for _, x := range records(t, r.stdout) {
		if len(x.Body) == 50 {
			n50++
		}
	}
	if n50 != 3 {
		t.Fatalf("generated bodies: %s", r.stdout)
	}
	// A delayed message comes after one published later without delay.
	mustRun(t, u, "", "publish", "d", "--delay", "300ms", "late")
	mustRun(t, u, "", "publish", "d", "now")
	r = mustRun(t, u, "", "consume", "d", "--group", "g", "--from", "oldest", "--count", "2", "--format", "json")
	if rs := records(t, r.stdout); len(rs) != 2 || rs[0].Body != "now" || rs[1].Body != "late" {
		t.Fatalf("--delay: %s", r.stdout)
	}
	for _, args := range [][]string{
		{"publish", u, "t", "--async", "--oneway", "x"},
		{"publish", u, "t", "--count", "2", "x"},
		{"publish", u, "t", "--header", "novalue", "x"},
		{"publish", u},
	} {
		if r := invoke(t, "", "", args...); r.code != exitUsage {
			t.Fatalf("%v: %+v", args, r)
		}
	}
}
