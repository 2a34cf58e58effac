package kit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/unimq/unimq/mq/driver"
)

// TLSParams are the URL parameters every adapter reads for TLS: tls_ca,
// tls_cert, tls_key (PEM files), tls_server_name and tls_insecure.
type TLSParams struct {
	CA, Cert, Key string
	ServerName    string
	Insecure      bool
}

// ReadTLSParams reads the tls_* parameters from p.
func ReadTLSParams(p *Params) TLSParams {
	return TLSParams{CA: p.String("tls_ca", ""), Cert: p.String("tls_cert", ""), Key: p.String("tls_key", ""),
		ServerName: p.String("tls_server_name", ""), Insecure: p.Bool("tls_insecure", false)}
}

// Any reports whether one of the parameters is set.
func (t TLSParams) Any() bool {
	return t.CA != "" || t.Cert != "" || t.Key != "" || t.ServerName != "" || t.Insecure
}

// Config returns the *tls.Config of t (TLS 1.2 at least), reading the files
// with ReadPEM bounded by ctx. Errors are ErrInvalidOption naming the
// parameter, never a file's path or contents.
func (t TLSParams) Config(ctx context.Context) (*tls.Config, error) {
	return loadTLS(ctx, t.CA, t.Cert, t.Key, t.Insecure, t.ServerName)
}

func loadTLS(ctx context.Context, caFile, certFile, keyFile string, insecure bool, serverName string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure, ServerName: serverName} //nolint:gosec // opt-in by tls_insecure
	if caFile != "" {
		pem, err := ReadPEM(ctx, "tls_ca", caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, driver.Errorf(driver.CodeInvalidOption, "open", "tls_ca: the file holds no PEM certificate")
		}
		tc.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "tls_cert and tls_key go together")
	}
	if certFile != "" {
		certPEM, err := ReadPEM(ctx, "tls_cert", certFile)
		if err != nil {
			return nil, err
		}
		keyPEM, err := ReadPEM(ctx, "tls_key", keyFile)
		if err != nil {
			return nil, err
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			// crypto/tls's messages name the problem, not the bytes.
			return nil, driver.Errorf(driver.CodeInvalidOption, "open", "tls_cert/tls_key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// maxPEM bounds what ReadPEM reads: CA bundles and keys are kilobytes.
const maxPEM = 4 << 20

// ReadPEM reads the file a tls_* parameter names, honouring ctx: it opens
// without blocking (O_NONBLOCK: a FIFO with no writer would block open(2)
// and read(2) forever) and refuses anything but a regular file. The errors
// name the parameter and the reason, not the path or the content.
func ReadPEM(ctx context.Context, param, path string) ([]byte, error) {
	fail := func(why string) error {
		return driver.Errorf(driver.CodeInvalidOption, "open", "%s: %s", param, why)
	}
	if err := ctx.Err(); err != nil {
		return nil, &driver.Error{Code: driver.CodeOf(err), Op: "open", Msg: param + ": not read", Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fail("cannot open the file (" + reason(err) + ")")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fail("cannot stat the file (" + reason(err) + ")")
	}
	if !st.Mode().IsRegular() {
		return nil, fail("not a regular file")
	}
	if st.Size() > maxPEM {
		return nil, fail("file larger than 4 MiB")
	}
	buf := make([]byte, 0, st.Size()+1)
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, &driver.Error{Code: driver.CodeOf(err), Op: "open", Msg: param + ": reading interrupted", Err: err}
		}
		n, err := f.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if len(buf) > maxPEM {
			return nil, fail("file larger than 4 MiB")
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fail("cannot read the file (" + reason(err) + ")")
		}
	}
}

// reason is the system's reason of a file error, without the path.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "I/O error"
}
