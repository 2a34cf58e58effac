package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestBridgeSIGKILLResumes builds the command, starts a bridge (between
// Kafka and RabbitMQ both ways, from RocketMQ and to RocketMQ), kills it
// with SIGKILL mid-stream, starts it again with the same group and checks
// the ledger: every id arrives (some maybe twice, fewer than the copies
// before the kill), with key, tag, headers and body intact. The second
// bridge stops on SIGTERM with status 0.
func TestBridgeSIGKILLResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "unimq")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, p := range []struct {
		name     string
		src, dst func(testing.TB) string
	}{
		{"kafka-to-rabbitmq", brokertest.KafkaURL, brokertest.AMQPURL},
		{"rabbitmq-to-kafka", brokertest.AMQPURL, brokertest.KafkaURL},
		{"rocketmq-to-rabbitmq", brokertest.RocketMQURL, brokertest.AMQPURL},
		{"kafka-to-rocketmq", brokertest.KafkaURL, brokertest.RocketMQURL},
	} {
		t.Run(p.name, func(t *testing.T) {
			// The bridge binary is built without -race; the ledger's
			// RocketMQ clients here run in a child without it too
			// (rocketmq-client-go races on its own).
			if strings.Contains(p.name, "rocketmq") && brokertest.RaceFree(t) {
				return
			}
			killCase(t, ctx, bin, p.src(t), p.dst(t))
		})
	}
}

func killCase(t *testing.T, ctx context.Context, bin, srcURL, dstURL string) {
	const n = 400
	src, dst, group := unique("cli-kill-src"), unique("cli-kill-dst"), unique("cli-kill")
	l := openLedger(t, ctx, dstURL, dst)
	args := []string{"bridge", srcURL, src, dstURL, dst, "--group", group, "--rate", "200", "--concurrency", "4", "--progress", "20ms"}

	// First bridge: SIGKILL once it copied some but not all. The ledger is
	// published once it subscribed (a RabbitMQ group's queue keeps messages
	// from its creation on).
	first := exec.CommandContext(ctx, bin, args...)
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	waitLine(t, lines, func(s string) bool { return strings.HasPrefix(s, "bridging ") })
	want := publishLedger(t, ctx, srcURL, src, n)
	copied := 0
	waitLine(t, lines, func(s string) bool { // past Kafka's 500 ms commit interval
		if m := totalRE.FindStringSubmatch(s); m != nil {
			copied, _ = strconv.Atoi(m[1])
		}
		return copied >= 200
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if copied >= n {
		t.Fatalf("the bridge copied all %d before the kill: the test proves nothing", copied)
	}
	t.Logf("killed after %d copies", copied)

	// Second bridge, same group: the rest arrives.
	// Its stderr is kept for the failure message; it is stopped below only
	// once it said it is bridging: under load the rest can arrive while its
	// Subscribe is still waiting for the group's assignment, and a SIGTERM
	// then ends a bridge that never started (status 1).
	second := exec.CommandContext(ctx, bin, args...)
	var out brokertest.SyncBuffer
	second.Stderr = &out
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	// Duplicates are what was confirmed at the destination but not yet
	// committed at the source when the kill came; fewer than the copies
	// before the kill, or the restart did not resume from the group.
	dups := l.check(t, ctx, want, true)
	t.Logf("%d duplicates after the restart", dups)
	if dups >= copied {
		t.Fatalf("%d duplicates for %d copies before the kill: the restart did not resume", dups, copied)
	}
	waitFor(t, ctx, "the second bridge to say it is bridging", func() bool {
		return strings.Contains(out.String(), "bridging ")
	})
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second bridge after SIGTERM: %v; its stderr:\n%s", err, out.String())
	}
}

var totalRE = regexp.MustCompile(`total=(\d+)`)

// waitLine reads lines until one satisfies ok; it fails t when the stream
// ends first. The rest of the stream is left unread (the process is killed
// next, which closes it).
func waitLine(t *testing.T, lines *bufio.Scanner, ok func(string) bool) {
	t.Helper()
	for lines.Scan() {
		if ok(lines.Text()) {
			return
		}
	}
	t.Fatalf("bridge output ended first: %v", lines.Err())
}
