package kafka

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/mq"
)

// Malformed or out-of-range URLs are refused with ErrInvalidOption before
// anything connects, and the error names the problem without echoing the
// secret (hunter2) or raw control characters.
func TestURLRefusedWithoutEchoingSecrets(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(secretFile, []byte("hunter2 is not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, url, want string }{
		{"comma hosts, last without port", "kafka://h1:9092,h2?sasl_password=hunter2", "malformed URL"},
		{"raw newline", "kafka://h1:9092,h2?sasl_password=hunter2\nx", "malformed URL"},
		{"empty port", "kafka://h1:?sasl_user=u&sasl_password=hunter2", "empty port"},
		{"empty port among hosts", "kafka://h1:9092,h2:,h3:9092?sasl_user=u&sasl_password=hunter2", "port"},
		{"port out of range", "kafka://h1:99999?sasl_user=u&sasl_password=hunter2", "port"},
		{"semicolon-joined query", "kafka://h1:9092?sasl_user=u;sasl_password=hunter2", "not ';'"}, // refused by mq.Open before the adapter
		{"fragment", "kafka://h1:9092?sasl_user=u&sasl_password=hun#ter2", "'#'"},
		{"password without user", "kafka://h1:9092?sasl_password=hunter2", "sasl_password given without sasl_user"},
		{"path", "kafka://h1:9092/hunter2", "unexpected path"},
		{"partitions wrap", "kafka://h1:9092?partitions=4294967297", "partitions"},
		{"partitions negative", "kafka://h1:9092?partitions=-3", "partitions"},
		{"replication wrap", "kafka://h1:9092?replication=65537", "replication"},
		{"session timeout", "kafka://h1:9092?session_timeout=0s", "session_timeout"},
		{"heartbeat above session", "kafka://h1:9092?session_timeout=2s&heartbeat_interval=3s", "heartbeat_interval"},
		{"negative linger", "kafka://h1:9092?linger=-1ms", "linger"},
		{"ca holds no certificate", "kafka://h1:9092?tls_ca=" + url.QueryEscape(secretFile), "tls_ca"},
		{"ca missing", "kafka://h1:9092?tls_ca=" + url.QueryEscape(filepath.Join(dir, "none.pem")), "tls_ca"},
		{"ca is a directory", "kafka://h1:9092?tls_ca=" + url.QueryEscape(dir), "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := mq.Open(ctx, tc.url)
			if err == nil {
				_ = c.Close(ctx)
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if !errors.Is(err, mq.ErrInvalidOption) {
				t.Errorf("code %v, want ErrInvalidOption: %v", mq.CodeOf(err), err)
			}
			msg := err.Error()
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, "ter2") || strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error echoes a secret or control characters: %q", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}

// Well-formed URLs still parse, with the values they name.
func TestURLAccepted(t *testing.T) {
	for _, tc := range []struct {
		url   string
		addrs []string
	}{
		{"kafka://h1", []string{"h1:9092"}},
		{"kafka://h1:9093,h2:9094", []string{"h1:9093", "h2:9094"}},
		{"kafka://[::1]:9092", []string{"[::1]:9092"}},
		{"kafka://h1,h2:9094?partitions=2147483647&replication=32767", []string{"h1:9092", "h2:9094"}},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parseURL(context.Background(), u, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if strings.Join(s.addrs, " ") != strings.Join(tc.addrs, " ") {
			t.Errorf("%s: addrs %v, want %v", tc.url, s.addrs, tc.addrs)
		}
	}
}
