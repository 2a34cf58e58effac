package main

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestBridgeSIGKILLResumes builds the command, starts a Kafka->RabbitMQ
// bridge, kills it with SIGKILL mid-stream, starts it again with the same
// group and checks the ledger: every id arrives (some maybe twice), with key,
// tag, headers and body intact. The second bridge stops on SIGTERM with
// status 0.
func TestBridgeSIGKILLResumes(t *testing.T) {
	srcURL, dstURL := brokertest.KafkaURL(t), brokertest.AMQPURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "unimq")
	if out, err := exec.CommandContext(ctx, goBin(), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 400
	src, dst, group := unique("cli-kill-src"), unique("cli-kill-dst"), unique("cli-kill")
	l := openLedger(t, ctx, dstURL, dst)
	want := publishLedger(t, ctx, srcURL, src, n)
	args := []string{"bridge", srcURL, src, dstURL, dst, "--group", group, "--rate", "200", "--concurrency", "4", "--progress", "20ms"}

	// First bridge: SIGKILL once it copied some but not all.
	first := exec.CommandContext(ctx, bin, args...)
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	copied := waitProgress(t, stderr, 200) // past Kafka's 500 ms commit interval
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if copied >= n {
		t.Fatalf("the bridge copied all %d before the kill: the test proves nothing", copied)
	}
	t.Logf("killed after %d copies", copied)

	// Second bridge, same group: the rest arrives.
	second := exec.CommandContext(ctx, bin, args...)
	second.Stderr = io.Discard
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
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second bridge after SIGTERM: %v", err)
	}
}

var totalRE = regexp.MustCompile(`total=(\d+)`)

// waitProgress reads progress lines until one reports at least min copies,
// and returns that total; the rest of r is drained in the background (the
// goroutine ends when the process's stderr closes).
func waitProgress(t *testing.T, r io.Reader, min int) int {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := totalRE.FindStringSubmatch(sc.Text()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= min {
				go func() { _, _ = io.Copy(io.Discard, r) }()
				return n
			}
		}
	}
	t.Fatalf("bridge ended before %d copies: %v", min, sc.Err())
	return 0
}
