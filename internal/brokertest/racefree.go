package brokertest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rocketmq-client-go v2.1.2 has data races of its own (Shutdown vs
// InvokeSync, the orderly consumer's process-queue tree, pullMessage,
// SubscriptionData.Clone vs a rebalance; traces in docs/rocketmq.md), which
// the race detector reports at random and unimq cannot fix. Tests that open
// a RocketMQ client therefore run, under -race, in a child `go test` built
// without it: RaceFree for one test, RaceFreeMain for a package's tests.

// EnvRaceFreeChild marks the child `go test -race=false` process that
// RaceFree and RaceFreeMain start.
const EnvRaceFreeChild = "UNIMQ_RACE_FREE_CHILD"

// InRaceFreeParent reports whether this process is built with -race and is
// not the race-free child: a test that must not run under the race detector
// leaves its work to the child.
func InRaceFreeParent() bool { return RaceEnabled && os.Getenv(EnvRaceFreeChild) == "" }

// RaceFree runs t (a test or subtest of the package in the current
// directory) in a child `go test -race=false` when this binary has the race
// detector, and reports whether it did: the caller then returns at once.
// The child's output goes to t's log; a failing child fails t, a child that
// skipped skips it. Without -race, or in the child, it returns false and
// the caller runs the test itself.
func RaceFree(t *testing.T) bool {
	t.Helper()
	if !InRaceFreeParent() {
		return false
	}
	pattern := runPattern(t.Name())
	limit := childLimit(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	// go test puts its own toolchain's bin first on the test's PATH (Go
	// 1.19 and later), so "go" is the toolchain running this test.
	cmd := exec.CommandContext(ctx, "go", "test", "-race=false", "-count=1", "-timeout", limit.String(), "-v", "-run", pattern, ".")
	cmd.Env = append(os.Environ(), EnvRaceFreeChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -race=false -run %s: %v\n%s", pattern, err, out)
	}
	if strings.Contains(string(out), "--- SKIP") {
		t.Skipf("skipped in the child:\n%s", out)
	}
	t.Logf("%s", out)
	return true
}

// childLimit bounds RaceFree's child: 5 minutes, or what is left of t's
// -timeout (less a minute for the child's build and the parent's report)
// when that is longer: a test that kills and restarts cluster nodes runs
// longer than 5 minutes under load.
func childLimit(t *testing.T) time.Duration {
	d := 5 * time.Minute
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - time.Minute; left > d {
			d = left
		}
	}
	return d
}

// runPattern is the go test -run pattern that selects exactly the test
// named name ("TestX/sub" → "^TestX$/^sub$").
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// RaceFreeMain is for a TestMain whose package's broker tests all open
// RocketMQ clients: given the result of m.Run, it runs the package's tests
// again in a child `go test -race=false` (same -run, -v and -short, output
// to this process's) when this binary has the race detector, and returns
// the exit code to use. The broker tests skip themselves in the parent
// (InRaceFreeParent), so the parent checks with the race detector what
// needs no broker and the child what does. name prefixes its messages.
func RaceFreeMain(name string, code int) int {
	if code != 0 || !InRaceFreeParent() {
		return code
	}
	args := []string{"test", "-race=false", "-count=1", "-timeout=20m"}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		args = append(args, "-run="+f.Value.String())
	}
	if testing.Verbose() {
		args = append(args, "-v")
	}
	if testing.Short() {
		args = append(args, "-short")
	}
	args = append(args, ".")
	fmt.Fprintf(os.Stderr, "%s: running the broker tests without -race (client races, see internal/brokertest/racefree.go): go %v\n", name, args)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), EnvRaceFreeChild+"=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: broker tests: %v\n", name, err)
		return 1
	}
	return 0
}
