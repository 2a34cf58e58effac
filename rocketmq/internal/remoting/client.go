package remoting

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

var opaqueSeq atomic.Int32

// Header is the JSON header of a remoting request or response.
type Header struct {
	Code      int               `json:"code"`
	Language  string            `json:"language"`
	Version   int               `json:"version"`
	Opaque    int32             `json:"opaque"`
	Flag      int               `json:"flag"`
	Remark    string            `json:"remark,omitempty"`
	ExtFields map[string]string `json:"extFields,omitempty"`
}

// Invoke sends one remoting request to addr on a new connection and returns
// the response header and body.
func Invoke(ctx context.Context, addr string, code int, ext map[string]string) (*Header, []byte, error) {
	return InvokeBody(ctx, addr, code, ext, nil)
}

// InvokeBody is Invoke with a request body.
func InvokeBody(ctx context.Context, addr string, code int, ext map[string]string, body []byte) (*Header, []byte, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	h := Header{Code: code, Language: "GO", Version: 317, Opaque: opaqueSeq.Add(1), ExtFields: ext}
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, nil, err
	}
	frame := make([]byte, 8+len(hb)+len(body))
	binary.BigEndian.PutUint32(frame[0:], uint32(4+len(hb)+len(body)))
	binary.BigEndian.PutUint32(frame[4:], uint32(len(hb))) // serialize type 0 (JSON) in the top byte
	copy(frame[8:], hb)
	copy(frame[8+len(hb):], body)
	if _, err := conn.Write(frame); err != nil {
		return nil, nil, err
	}
	var lenBuf [4]byte
	if _, err := io.ReadFull(conn, lenBuf[:]); err != nil {
		return nil, nil, err
	}
	n := binary.BigEndian.Uint32(lenBuf[:])
	if n < 4 || n > 16<<20 {
		return nil, nil, fmt.Errorf("%s: bad frame length %d", addr, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(conn, buf); err != nil {
		return nil, nil, err
	}
	hl := binary.BigEndian.Uint32(buf[0:4]) & 0xFFFFFF
	if int(hl) > len(buf)-4 {
		return nil, nil, fmt.Errorf("%s: bad header length %d", addr, hl)
	}
	var resp Header
	if err := json.Unmarshal(buf[4:4+hl], &resp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", addr, err)
	}
	return &resp, buf[4+hl:], nil
}
