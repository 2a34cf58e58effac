package rabbitmq_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// A tls_* parameter naming a FIFO (or any file that is not a regular one)
// must not block Open past its deadline; the error names the parameter, not
// the path.
func TestTLSFilesHonourContext(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "secret-dir-name.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	for _, param := range []string{"tls_ca", "tls_cert"} {
		u := "amqps://u:s3cret@127.0.0.1:5671/?" + param + "=" + fifo
		if param == "tls_cert" {
			u += "&tls_key=" + fifo
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		done := make(chan error, 1)
		go func() { _, err := mq.Open(ctx, u); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Open still blocked 8 s past its deadline", param)
		}
		cancel()
		require.ErrorIs(t, err, mq.ErrInvalidOption, param)
		require.Contains(t, err.Error(), param)
		require.NotContains(t, err.Error(), "secret-dir-name")
		require.NotContains(t, err.Error(), "s3cret")
	}
	// A missing file: the reason, not the path.
	_, err := mq.Open(context.Background(), "amqps://u:s3cret@127.0.0.1:5671/?tls_ca="+filepath.Join(dir, "secret-missing.pem"))
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.NotContains(t, err.Error(), "secret-missing")
	// An expired context: not read at all.
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, []byte("x"), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = mq.Open(ctx, "amqps://u:s3cret@127.0.0.1:5671/?tls_ca="+ca)
	require.Error(t, err)
}
