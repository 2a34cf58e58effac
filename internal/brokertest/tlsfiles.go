package brokertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// tlsFiles are the PEM files scripts/brokers.sh writes for a broker's TLS
// listener: a throw-away CA and a client certificate it signed.
type tlsFiles struct {
	CA, Cert, Key string
}

// findTLSFiles returns broker's TLS files, from the directory envDir names
// or else <UNIMQ_BROKERS_DIR, default .brokers>/<broker>/tls. When one is
// missing it skips t, or fails it when UNIMQ_REQUIRE_BROKERS=1.
func findTLSFiles(t testing.TB, broker, envDir string) tlsFiles {
	t.Helper()
	dir := env(envDir, "")
	if dir == "" {
		dir = filepath.Join(env("UNIMQ_BROKERS_DIR", filepath.Join(repoRoot(), ".brokers")), broker, "tls")
	}
	f := tlsFiles{
		CA:   filepath.Clean(filepath.Join(dir, "ca.pem")),
		Cert: filepath.Clean(filepath.Join(dir, "client-cert.pem")),
		Key:  filepath.Clean(filepath.Join(dir, "client-key.pem")),
	}
	var missing []error
	for _, name := range []string{f.CA, f.Cert, f.Key} {
		if _, err := os.Stat(name); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("brokertest: %s TLS files missing (%v); run: scripts/brokers.sh up %s (or set %s)",
			broker, errors.Join(missing...), broker, envDir)
		if Required() {
			t.Fatalf("%s [%s=1]", msg, EnvRequire)
		}
		t.Skip(msg)
	}
	return f
}
