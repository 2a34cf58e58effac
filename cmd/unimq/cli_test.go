package main

import (
	"strings"
	"testing"
)

func TestUsageAndErrors(t *testing.T) {
	r := invoke(t, "", "")
	if r.code != exitUsage || !strings.Contains(r.stderr, "Commands:") {
		t.Fatalf("no arguments: %+v", r)
	}
	r = invoke(t, "", "", "nosuch")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("unknown command: %+v", r)
	}
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		r := invoke(t, "", "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "Usage: unimq "+c.name) || !strings.Contains(r.stdout, "Examples:\n  unimq "+c.name) {
			t.Fatalf("%s --help: %+v", c.name, r)
		}
	}
	// No URL and no MQ_URL: a usage error on one line.
	r = invoke(t, "", "", "ping")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "MQ_URL") {
		t.Fatalf("ping without URL: %+v", r)
	}
	// A publish the backend refuses after some succeeded: one line too.
	r = invoke(t, "", "", "publish", "memory://x?like=kafka", "t", "a", "b", "--delay", "1s")
	if r.code != exitFail || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "unimq memory publish: unsupported: ") ||
		strings.Count(r.stderr, "unimq") != 1 {
		t.Fatalf("refused publish: %+v", r)
	}
	r = invoke(t, "", "", "publish", "memory://x", "t", "--nosuch")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("unknown flag: %+v", r)
	}
}

// TestCredentialsNeverPrinted: a failing URL with a password is reported on
// one line, with the password redacted, for every command that opens it.
func TestCredentialsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-pw"
	url := "amqp://guest:" + secret + "@127.0.0.1:1/"
	for _, args := range [][]string{
		{"ping", url},
		{"publish", url, "t", "x"},
		{"consume", url, "t", "--count", "1"},
		{"tail", url, "t", "--count", "1"},
		{"bench", url, "t", "--count", "1"},
		{"topics", "create", url, "t"},
		{"topics", "describe", url, "t"},
		{"bridge", url, "t", "memory://x", "t"},
		{"ping", "kafka://u:" + secret + "@%zz"},
	} {
		r := invoke(t, "", "", args...)
		if r.code != exitFail || strings.Contains(r.stdout+r.stderr, secret) || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("%v: %+v", args, r)
		}
		t.Log(r.stderr)
	}
	// The same from MQ_URL.
	r := invoke(t, url, "", "ping")
	if r.code != exitFail || strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("ping with MQ_URL: %+v", r)
	}
}

func TestPingMemory(t *testing.T) {
	u := memURL(t)
	r := invoke(t, u, "", "ping")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "ok "+u+" backend=memory") {
		t.Fatalf("%+v", r)
	}
	r = invoke(t, "", "", "ping", u+"?nosuch=1")
	if r.code != exitFail || r.stdout != "" {
		t.Fatalf("bad URL: %+v", r)
	}
}
