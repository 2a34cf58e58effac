//go:build unix

package kafka

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// A tls_ca naming a FIFO (nobody writing) does not block Open past its
// deadline: the file is refused as not regular at once.
func TestTLSFileFIFODoesNotBlockOpen(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "ca.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := mq.Open(ctx, "kafka://127.0.0.1:9?tls_ca="+url.QueryEscape(fifo))
	if !errors.Is(err, mq.ErrInvalidOption) {
		t.Fatalf("Open with a FIFO as tls_ca: %v, want ErrInvalidOption", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Open took %v with a 2s deadline", d)
	}
}
