package brokertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// EnvRestarts opts in to tests that restart a shared broker. `make test`
// runs every package in parallel first with it unset (restart tests skip,
// saying so), then runs the restart tests alone, one package at a time,
// with UNIMQ_BROKER_RESTARTS=1, so a restart never breaks another package's
// tests.
const EnvRestarts = "UNIMQ_BROKER_RESTARTS"

// RestartsAllowed reports whether UNIMQ_BROKER_RESTARTS=1.
func RestartsAllowed() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvRestarts))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// SkipUnlessRestartsAllowed skips t, with the reason, unless restarts are
// allowed (make test's restart phase runs it).
func SkipUnlessRestartsAllowed(t testing.TB) {
	t.Helper()
	if !RestartsAllowed() {
		t.Skip("restarts a shared broker: runs alone in make test's restart phase (" + EnvRestarts + "=1)")
	}
}

// RestartSkipReason is the Harness.Skip reason for the conformance
// Reconnect test outside the restart phase.
const RestartSkipReason = "restarts a shared broker: runs alone in make test's restart phase (" + EnvRestarts + "=1)"

// Restart restarts broker ("kafka", "rabbitmq" or "rocketmq") keeping its
// data, with scripts/brokers.sh, and returns once it works again. Output of
// the script goes to the test log.
func Restart(ctx context.Context, t testing.TB, broker string) error {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot(), "scripts", "brokers.sh"), "restart", broker)
	out, err := cmd.CombinedOutput()
	t.Logf("brokers.sh restart %s: %s", broker, out)
	return err
}

// repoRoot is the module root, found from this file's path.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
