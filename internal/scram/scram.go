// Package scram is a SCRAM client (RFC 5802, without channel binding) on
// the standard library, for SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (the kafka
// adapter gives it to sarama as its SCRAMClient). A Client serves one
// exchange at a time and is not safe for concurrent use; Begin starts a new
// one with a fresh nonce.
package scram

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
)

// The hashes of the two mechanisms, for New.
var (
	SHA256 = sha256.New // SCRAM-SHA-256
	SHA512 = sha512.New // SCRAM-SHA-512
)

// Client is a SCRAM client (RFC 5802, without channel binding) for
// sarama's SASL/SCRAM-SHA-256 and SCRAM-SHA-512, on the standard library.
type Client struct {
	h         func() hash.Hash
	user      string
	password  string
	nonce     string
	first     string // client-first-message-bare
	serverSig []byte
	step      int
	done      bool
}

// New returns a client of the mechanism of hash h (SHA256 or SHA512).
func New(h func() hash.Hash) *Client { return &Client{h: h} }

// Begin prepares the exchange (sarama's SCRAMClient interface). Every
// exchange gets a fresh nonce (a test may set the first one).
func (c *Client) Begin(user, password, _ string) error {
	c.user, c.password = user, password
	if c.nonce == "" || c.first != "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		c.nonce = base64.RawStdEncoding.EncodeToString(b)
	}
	c.first, c.serverSig, c.step, c.done = "", nil, 0, false
	return nil
}

var scramEscaper = strings.NewReplacer("=", "=3D", ",", "=2C")

// Step answers the server's challenge.
func (c *Client) Step(challenge string) (string, error) {
	c.step++
	switch c.step {
	case 1:
		c.first = "n=" + scramEscaper.Replace(c.user) + ",r=" + c.nonce
		return "n,," + c.first, nil
	case 2:
		return c.final(challenge)
	case 3:
		attrs := scramAttrs(challenge)
		if e, ok := attrs["e"]; ok {
			return "", errors.New("scram: server error " + e)
		}
		v, err := base64.StdEncoding.DecodeString(attrs["v"])
		if err != nil || subtle.ConstantTimeCompare(v, c.serverSig) != 1 {
			return "", errors.New("scram: server signature mismatch")
		}
		c.done = true
		return "", nil
	}
	return "", errors.New("scram: unexpected step")
}

func (c *Client) final(serverFirst string) (string, error) {
	attrs := scramAttrs(serverFirst)
	nonce, salt64, iters := attrs["r"], attrs["s"], attrs["i"]
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return "", errors.New("scram: server nonce does not extend the client nonce")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		return "", errors.New("scram: bad salt")
	}
	n, err := strconv.Atoi(iters)
	if err != nil || n < 1 {
		return "", errors.New("scram: bad iteration count")
	}
	size := c.h().Size()
	salted, err := pbkdf2.Key(c.h, c.password, salt, n, size)
	if err != nil {
		return "", err
	}
	clientKey := c.mac(salted, "Client Key")
	sum := c.h()
	sum.Write(clientKey)
	storedKey := sum.Sum(nil)
	withoutProof := "c=biws,r=" + nonce
	authMsg := c.first + "," + serverFirst + "," + withoutProof
	sig := c.mac(storedKey, authMsg)
	proof := make([]byte, len(clientKey))
	for i := range clientKey {
		proof[i] = clientKey[i] ^ sig[i]
	}
	c.serverSig = c.mac(c.mac(salted, "Server Key"), authMsg)
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof), nil
}

func (c *Client) mac(key []byte, msg string) []byte {
	m := hmac.New(c.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Done reports whether the server was verified.
func (c *Client) Done() bool { return c.done }

func scramAttrs(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if len(kv) >= 2 && kv[1] == '=' {
			out[kv[:1]] = kv[2:]
		}
	}
	return out
}
