package brokertest

import (
	"os"
	"path/filepath"
	"testing"
)

// The directory the environment names wins, and the three files are found
// there.
func TestFindTLSFilesInTheNamedDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"ca.pem", "client-cert.pem", "client-key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("UNIMQ_TEST_TLS_DIR", dir)
	got := findTLSFiles(t, "kafka", "UNIMQ_TEST_TLS_DIR")
	want := tlsFiles{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client-cert.pem"), filepath.Join(dir, "client-key.pem")}
	if got != want {
		t.Fatalf("findTLSFiles = %+v, want %+v", got, want)
	}
}

// A missing file skips the test when brokers are not required.
func TestFindTLSFilesSkipsWhenMissing(t *testing.T) {
	t.Setenv("UNIMQ_TEST_TLS_DIR", t.TempDir())
	t.Setenv(EnvRequire, "")
	var returned bool
	t.Run("missing", func(t *testing.T) {
		findTLSFiles(t, "rabbitmq", "UNIMQ_TEST_TLS_DIR")
		returned = true
	})
	if returned {
		t.Fatal("findTLSFiles returned although the files are missing")
	}
}
