package remoting

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// serveOnce answers one remoting request on a local listener with code and
// body, and hands the request's header and body to got.
func serveOnce(t *testing.T, code int, body []byte, got chan<- Header) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var n [4]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		buf := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		hl := binary.BigEndian.Uint32(buf[:4]) & 0xFFFFFF
		var h Header
		_ = json.Unmarshal(buf[4:4+hl], &h)
		got <- h
		hb, _ := json.Marshal(Header{Code: code, Opaque: h.Opaque, Flag: 1})
		out := make([]byte, 8+len(hb)+len(body))
		binary.BigEndian.PutUint32(out, uint32(4+len(hb)+len(body)))
		binary.BigEndian.PutUint32(out[4:], uint32(len(hb)))
		copy(out[8:], hb)
		copy(out[8+len(hb):], body)
		_, _ = c.Write(out)
	}()
	return ln.Addr().String()
}

func TestInvokeRoundTrip(t *testing.T) {
	got := make(chan Header, 1)
	addr := serveOnce(t, ResSuccess, []byte("answer"), got)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, body, err := Invoke(ctx, addr, ReqGetMaxOffset, map[string]string{"topic": "t", "queueId": "1"})
	require.NoError(t, err)
	require.Equal(t, ResSuccess, h.Code)
	require.Equal(t, "answer", string(body))
	req := <-got
	require.Equal(t, ReqGetMaxOffset, req.Code)
	require.Equal(t, map[string]string{"topic": "t", "queueId": "1"}, req.ExtFields)
}

func TestQueryRouteUnknownTopicIsNil(t *testing.T) {
	got := make(chan Header, 1)
	addr := serveOnce(t, ResTopicNotExist, nil, got)
	r, err := QueryRoute(context.Background(), []string{addr}, "missing")
	require.NoError(t, err)
	require.Nil(t, r)
	require.Equal(t, "missing", (<-got).ExtFields["topic"])
}

func TestInvokeEndsWithCtx(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() { // accepts and never answers
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = Invoke(ctx, ln.Addr().String(), ReqHeartBeat, nil)
	require.Error(t, err)
	require.Less(t, time.Since(start), 4*time.Second)
}

// Sign adds AccessKey and an HMAC-SHA1 of the sorted fields' values and the
// body; without credentials it leaves the fields alone.
func TestSign(t *testing.T) {
	ext := map[string]string{"topic": "t", "b": "2"}
	require.Equal(t, ext, Sign(ext, primitive.Credentials{}, nil))
	s := Sign(ext, primitive.Credentials{AccessKey: "ak", SecretKey: "sk"}, []byte("body"))
	require.Equal(t, "ak", s["AccessKey"])
	require.NotEmpty(t, s["Signature"])
	require.NotContains(t, ext, "Signature", "Sign changed its input")
	other := Sign(ext, primitive.Credentials{AccessKey: "ak", SecretKey: "sk"}, []byte("other"))
	require.NotEqual(t, s["Signature"], other["Signature"], "the body is signed")
}
