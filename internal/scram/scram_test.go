package scram

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// RFC 7677 section 3: the SCRAM-SHA-256 example exchange.
func TestSCRAMSHA256RFC7677(t *testing.T) {
	c := New(SHA256)
	c.nonce = "rOprNGfwEbeRWgbNEkqO"
	require.NoError(t, c.Begin("user", "pencil", ""))
	first, err := c.Step("")
	require.NoError(t, err)
	require.Equal(t, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", first)
	final, err := c.Step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
	require.NoError(t, err)
	require.Equal(t, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", final)
	require.False(t, c.Done())
	_, err = c.Step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
	require.NoError(t, err)
	require.True(t, c.Done())
}

func TestSCRAMRejectsBadServerSignature(t *testing.T) {
	c := New(SHA256)
	c.nonce = "rOprNGfwEbeRWgbNEkqO"
	require.NoError(t, c.Begin("user", "pencil", ""))
	_, err := c.Step("")
	require.NoError(t, err)
	_, err = c.Step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
	require.NoError(t, err)
	_, err = c.Step("v=AAAA")
	require.Error(t, err)
	require.False(t, c.Done())
}

// A client reused for a second exchange uses a fresh nonce, never the first
// one again (sarama makes a client per authentication; the type does not
// rely on it).
func TestSCRAMFreshNonceEachExchange(t *testing.T) {
	c := New(SHA512)
	require.NoError(t, c.Begin("user", "pencil", ""))
	first, err := c.Step("")
	require.NoError(t, err)
	require.NoError(t, c.Begin("user", "pencil", ""))
	again, err := c.Step("")
	require.NoError(t, err)
	require.NotEqual(t, first, again)
	require.True(t, strings.HasPrefix(again, "n,,n=user,r="))
}
