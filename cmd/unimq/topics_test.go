package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

// TestTopicsDescribeMemory: describe tells the partitions, the messages the
// topic holds and each group's backlog, which a consume lowers; an unknown
// topic fails on one line.
func TestTopicsDescribeMemory(t *testing.T) {
	u := memURL(t)
	mustRun(t, u, "", "topics", "create", "t", "--group", "g")
	mustRun(t, u, "", "publish", "t", "a", "b", "c")
	r := mustRun(t, u, "", "topics", "describe", "t")
	want := "topic=t backend=memory kind=partitioned parts=4 messages=3\n" +
		"part=0\npart=1\npart=2\npart=3\n" +
		"group=g backlog=3\n"
	if r.stdout != want {
		t.Fatalf("describe:\n%s\nwant:\n%s", r.stdout, want)
	}
	mustRun(t, u, "", "consume", "t", "--group", "g", "--count", "2")
	r = mustRun(t, u, "", "topics", "describe", "t", "--group", "g", "--json")
	var info topicInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if info.Topic != "t" || info.Backend != "memory" || len(info.Parts) != 4 || info.Depth != 3 ||
		len(info.Groups) != 1 || info.Groups[0].Name != "g" || info.Groups[0].Backlog != 1 {
		t.Fatalf("describe --json after consuming 2: %+v", info)
	}
	r = invoke(t, u, "", "topics", "describe", "nosuch")
	if r.code != exitFail || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "no such topic") {
		t.Fatalf("unknown topic: %+v", r)
	}
	r = invoke(t, u, "", "topics", "drop", "t")
	if r.code != exitUsage || !strings.Contains(r.stderr, "create|describe") {
		t.Fatalf("unknown verb: %+v", r)
	}
}

// opaqueConn is a backend the command knows no way to ask about topics.
type opaqueConn struct{}

func (opaqueConn) Capabilities() driver.Capabilities {
	return driver.Capabilities{Backend: "opaque", Features: driver.CapSyncPublish}
}
func (opaqueConn) Send(context.Context, string, []*driver.Message, driver.SendOptions) error {
	return nil
}
func (opaqueConn) SendAsync(context.Context, string, *driver.Message, driver.SendOptions, func(error)) error {
	return driver.Errorf(driver.CodeUnsupported, "publish", "no async")
}
func (opaqueConn) Subscribe(context.Context, *driver.SubscriptionConfig) (driver.Subscription, error) {
	return nil, driver.Errorf(driver.CodeUnsupported, "subscribe", "no subscribe")
}
func (opaqueConn) Close(context.Context) error { return nil }
func (opaqueConn) As(any) bool                 { return false }

func init() {
	mq.Register("opaque", func(context.Context, *url.URL, *driver.OpenConfig) (driver.Conn, error) {
		return opaqueConn{}, nil
	})
}

// A backend describe cannot ask fails with "unsupported" on one line.
func TestTopicsDescribeUnsupported(t *testing.T) {
	r := invoke(t, "", "", "topics", "describe", "opaque://x", "t")
	if r.code != exitFail || strings.Count(r.stderr, "\n") != 1 ||
		!strings.HasPrefix(r.stderr, "unimq opaque describe: unsupported: ") || strings.Count(r.stderr, "unimq") != 1 {
		t.Fatalf("%+v", r)
	}
	t.Log(r.stderr)
}
