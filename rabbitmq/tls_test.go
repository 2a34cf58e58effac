package rabbitmq_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/internal/brokertest"
	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/mqtest"
	"github.com/unimq/unimq/rabbitmq"
)

// pki is a throw-away CA with a server certificate for 127.0.0.1 and a
// client certificate, written as PEM files.
type pki struct {
	dir                           string
	ca                            *x509.CertPool
	server                        tls.Certificate
	caFile, clientCert, clientKey string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "unimq test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	issue := func(serial int64, server bool) ([]byte, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "unimq test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		if server {
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		} else {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		require.NoError(t, err)
		kder, err := x509.MarshalECPrivateKey(key)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	p := &pki{dir: dir, ca: x509.NewCertPool()}
	p.ca.AddCert(caCert)
	sc, sk := issue(2, true)
	p.server, err = tls.X509KeyPair(sc, sk)
	require.NoError(t, err)
	cc, ck := issue(3, false)
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, b, 0o600))
		return f
	}
	p.caFile = write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	p.clientCert = write("client.pem", cc)
	p.clientKey = write("client-key.pem", ck)
	return p
}

// tlsFront terminates TLS (requiring a client certificate of the CA) in
// front of the plain broker port.
func tlsFront(t *testing.T, p *pki, brokerURL string) string {
	t.Helper()
	u, err := url.Parse(brokerURL)
	require.NoError(t, err)
	target := u.Host
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.server}, ClientCAs: p.ca,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, b)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(b, c); _ = b.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, b); _ = c.Close() }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	u.Scheme = "amqps"
	u.Host = ln.Addr().String()
	return u.String()
}

func TestTLS(t *testing.T) {
	p := newPKI(t)
	base := tlsFront(t, p, brokertest.AMQPURL(t))
	topic := unique("tls")

	// CA and client certificate from URL parameters.
	c := openURL(t, base+"?tls_ca="+url.QueryEscape(p.caFile)+"&tls_cert="+url.QueryEscape(p.clientCert)+"&tls_key="+url.QueryEscape(p.clientKey))
	col := mqtest.NewCollector()
	subscribe(t, c, topic, col.Handler("s", nil), mq.Group("g"))
	publish(t, c, topic, msg("over-tls", "a", "x"))
	col.WaitDone(t, wait, "over-tls")

	// The same with WithTLS.
	cert, err := tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	require.NoError(t, err)
	c2 := openURL(t, base, rabbitmq.WithTLS(&tls.Config{RootCAs: p.ca, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	publish(t, c2, topic, msg("with-tls", "a", "x"))
	col.WaitDone(t, wait, "with-tls")

	// Without the CA the server certificate is not trusted: retrying cannot help.
	_, err = mq.Open(ctxT(t), base+"?tls_cert="+url.QueryEscape(p.clientCert)+"&tls_key="+url.QueryEscape(p.clientKey)+"&connect_timeout=3s")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
}
