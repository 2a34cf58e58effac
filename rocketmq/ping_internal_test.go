package rocketmq

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// fakeNameServer answers every remoting request with TBW102's route, whose
// master broker is brokerAddr.
func fakeNameServer(t *testing.T, brokerAddr string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			answerRoute(c, brokerAddr)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func answerRoute(c net.Conn, brokerAddr string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var lenBuf [4]byte
	if _, err := io.ReadFull(c, lenBuf[:]); err != nil {
		return
	}
	req := make([]byte, binary.BigEndian.Uint32(lenBuf[:]))
	if _, err := io.ReadFull(c, req); err != nil {
		return
	}
	var h remoting.Header
	_ = json.Unmarshal(req[4:4+binary.BigEndian.Uint32(req[0:4])&0xFFFFFF], &h)
	hb, _ := json.Marshal(remoting.Header{Code: remoting.ResSuccess, Opaque: h.Opaque, Flag: 1})
	body := []byte(`{"brokerDatas":[{"brokerAddrs":{0:"` + brokerAddr + `"},"brokerName":"b0","cluster":"c"}],` +
		`"queueDatas":[{"brokerName":"b0","perm":6,"readQueueNums":4,"writeQueueNums":4}]}`)
	frame := make([]byte, 8+len(hb)+len(body))
	binary.BigEndian.PutUint32(frame[0:], uint32(4+len(hb)+len(body)))
	binary.BigEndian.PutUint32(frame[4:], uint32(len(hb)))
	copy(frame[8:], hb)
	copy(frame[8+len(hb):], body)
	_, _ = c.Write(frame)
}

// TestPingReachesTheBroker: the name server answers but the broker it
// names does not: Ping fails with ErrUnavailable naming the broker (the
// name server's answer alone is not enough).
func TestPingReachesTheBroker(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	brokerAddr := dead.Addr().String()
	require.NoError(t, dead.Close())

	c := &conn{cfg: &config{nameServers: []string{fakeNameServer(t, brokerAddr)}}, topics: map[string]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err = c.Ping(ctx)
	require.Equal(t, driver.CodeUnavailable, driver.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), brokerAddr)
	require.Less(t, time.Since(start), 5*time.Second)
}
