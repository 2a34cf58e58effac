package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// records parses --format json output.
func records(t *testing.T, out string) []record {
	t.Helper()
	var rs []record
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	return rs
}

func mustRun(t *testing.T, mqURL, stdin string, args ...string) result {
	t.Helper()
	r := invoke(t, mqURL, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("unimq %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// TestPublishConsumeMemory: what publish sends (arguments, stdin lines with a
// binary one, key, tag, headers) is what consume prints, in JSON and text.
func TestPublishConsumeMemory(t *testing.T) {
	u := memURL(t)
	r := mustRun(t, u, "", "publish", "orders", "--key", "k1", "--tag", "created", "--header", "a=1", "--header", "b=x=y", "--id", "m", "one", "two")
	if strings.Count(r.stdout, "confirmed topic=orders partition=") != 2 || !strings.Contains(r.stdout, "id=m-2") {
		t.Fatalf("publish output: %s", r.stdout)
	}
	mustRun(t, u, "line3\n\xff\xfe\n", "publish", "orders", "--key", "k1")
	f := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(f, []byte("file\nbody"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, u, "", "publish", "orders", "--key", "k1", "--file", f)
	r = mustRun(t, u, "", "consume", "orders", "--group", "g", "--from", "oldest", "--count", "5", "--format", "json")
	rs := records(t, r.stdout)
	if len(rs) != 5 {
		t.Fatalf("got %d records: %s", len(rs), r.stdout)
	}
	if x := rs[0]; x.Body != "one" || x.Key != "k1" || x.Tag != "created" || x.ID != "m-1" || x.Headers["a"] != "1" || x.Headers["b"] != "x=y" || x.Attempt != 1 || x.Offset != 0 || x.Topic != "orders" {
		t.Fatalf("first record: %+v", x)
	}
	if x := rs[3]; !x.Base64 || x.Body != base64.StdEncoding.EncodeToString([]byte("\xff\xfe")) {
		t.Fatalf("binary record: %+v", x)
	}
	if rs[2].Body != "line3" || rs[2].Base64 {
		t.Fatalf("stdin record: %+v", rs[2])
	}
	if rs[4].Body != "file\nbody" {
		t.Fatalf("file record: %+v", rs[4])
	}
	// The group acked them all: a new message is all it gets next.
	mustRun(t, u, "", "publish", "orders", "--key", "k1", "five")
	r = mustRun(t, u, "", "consume", "orders", "--group", "g", "--count", "1")
	if !strings.HasSuffix(r.stdout, `key="k1" attempt=1 | five`+"\n") {
		t.Fatalf("text output: %q", r.stdout)
	}
}

// TestConsumeAckPolicies: --ack none leaves the message to the group, --ack
// nack redelivers it with a higher attempt.
func TestConsumeAckPolicies(t *testing.T) {
	u := memURL(t)
	mustRun(t, u, "", "publish", "t", "--key", "k", "m1")
	for i, want := range []struct{ ack, attempt string }{{"none", "attempt=1"}, {"nack", "attempt=2"}, {"ack", "attempt=3"}} {
		r := mustRun(t, u, "", "consume", u, "t", "--group", "g", "--from", "oldest", "--count", "1", "--ack", want.ack)
		if !strings.Contains(r.stdout, want.attempt+" | m1") {
			t.Fatalf("step %d (--ack %s): %q", i, want.ack, r.stdout)
		}
	}
	r := invoke(t, u, "", "consume", "t", "--ack", "maybe")
	if r.code != exitUsage {
		t.Fatalf("--ack maybe: %+v", r)
	}
}

// TestTailNeverCommits: tail sees the messages but a group still gets all of
// them; filters apply.
func TestTailNeverCommits(t *testing.T) {
	u := memURL(t)
	if r := mustRun(t, u, "", "topics", "create", "t", "--group", "g"); r.stdout != "declared topic=t groups=g on "+u+"\n" {
		t.Fatalf("topics create: %q", r.stdout)
	}
	mustRun(t, u, "", "publish", "t", "--tag", "order.created", "a")
	mustRun(t, u, "", "publish", "t", "--tag", "order.paid", "b")
	mustRun(t, u, "", "publish", "t", "--tag", "user.created", "c")
	r := mustRun(t, u, "", "tail", "t", "--from", "oldest", "--count", "2", "--pattern", "order.*", "--format", "json")
	rs := records(t, r.stdout)
	if len(rs) != 2 || rs[0].Tag == "user.created" || rs[1].Tag == "user.created" {
		t.Fatalf("tail: %s", r.stdout)
	}
	r = mustRun(t, u, "", "tail", "t", "--from", "oldest", "--count", "1", "--tag", "user.created")
	if !strings.HasSuffix(r.stdout, "| c\n") {
		t.Fatalf("tail --tag: %q", r.stdout)
	}
	r = mustRun(t, u, "", "consume", "t", "--group", "g", "--count", "3", "--format", "json")
	if rs := records(t, r.stdout); len(rs) != 3 {
		t.Fatalf("group after tail: %s", r.stdout)
	}
}

func TestReceiveFlagErrors(t *testing.T) {
	u := memURL(t)
	for _, args := range [][]string{
		{"consume", u, "t", "--from", "yesterday"},
		{"tail", u, "t", "--tag", "a", "--pattern", "b"},
		{"tail", u, "t", "--format", "xml"},
		{"consume", u},
	} {
		if r := invoke(t, "", "", args...); r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
}
