package kit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/unimq/unimq/mq/driver"
)

// The TLS files are refused with ErrInvalidOption naming the parameter and
// the reason, never the path; a FIFO does not block.
func TestTLSParamsConfigRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "secret-notpem.pem")
	if err := os.WriteFile(notPEM, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "secret-fifo.pem")
	cases := []struct {
		name string
		p    TLSParams
		want string
	}{
		{"missing file", TLSParams{CA: filepath.Join(dir, "secret-missing.pem")}, "tls_ca: cannot open the file"},
		{"a directory", TLSParams{CA: dir}, "tls_ca: not a regular file"},
		{"no certificate", TLSParams{CA: notPEM}, "tls_ca: the file holds no PEM certificate"},
		{"cert without key", TLSParams{Cert: notPEM}, "tls_cert and tls_key go together"},
		{"a bad key pair", TLSParams{Cert: notPEM, Key: notPEM}, "tls_cert/tls_key"},
	}
	if syscall.Mkfifo(fifo, 0o600) == nil {
		cases = append(cases, struct {
			name string
			p    TLSParams
			want string
		}{"a FIFO", TLSParams{Cert: fifo, Key: fifo}, "tls_cert: not a regular file"})
	}
	for _, c := range cases {
		_, err := c.p.Config(context.Background())
		if !errors.Is(err, driver.ErrInvalidOption) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInvalidOption with %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-") {
			t.Errorf("%s: the error names the path: %v", c.name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (TLSParams{CA: notPEM}).Config(ctx); !errors.Is(err, driver.ErrCanceled) {
		t.Errorf("canceled ctx: %v, want ErrCanceled", err)
	}
	tc, err := TLSParams{ServerName: "broker", Insecure: true}.Config(context.Background())
	if err != nil || tc.ServerName != "broker" || !tc.InsecureSkipVerify || tc.MinVersion == 0 {
		t.Errorf("plain config: %+v, %v", tc, err)
	}
	if !(TLSParams{Insecure: true}).Any() || (TLSParams{}).Any() {
		t.Error("Any is wrong")
	}
}
