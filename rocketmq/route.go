package rocketmq

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"
)

// The Go client has no call that asks a name server for a topic's route, and
// its admin API needs a broker address to create a topic. route.go speaks
// the few bytes of RocketMQ's remoting protocol needed for that: one
// GET_ROUTEINFO_BY_TOPIC request per call, on a short-lived connection.

const (
	reqGetRouteInfoByTopic = 105
	resSuccess             = 0
	resTopicNotExist       = 17
	defaultTopicKey        = "TBW102" // the broker's template topic, routable when autoCreateTopicEnable
)

var opaqueSeq atomic.Int32

// route is what a name server knows about a topic.
type route struct {
	brokerAddrs []string          // master addresses
	queues      int               // readable queues, summed over brokers
	perBroker   map[string]int    // master address -> read queues
	byName      map[string]string // broker name -> master address
}

type remotingHeader struct {
	Code      int               `json:"code"`
	Language  string            `json:"language"`
	Version   int               `json:"version"`
	Opaque    int32             `json:"opaque"`
	Flag      int               `json:"flag"`
	Remark    string            `json:"remark,omitempty"`
	ExtFields map[string]string `json:"extFields,omitempty"`
}

// queryRoute asks the name servers (first that answers) for topic's route.
// A topic unknown to the name server gives (nil, nil).
func queryRoute(ctx context.Context, nameServers []string, topic string) (*route, error) {
	var lastErr error
	for _, ns := range nameServers {
		h, body, err := invoke(ctx, ns, reqGetRouteInfoByTopic, map[string]string{"topic": topic})
		if err != nil {
			lastErr = err
			continue
		}
		switch h.Code {
		case resSuccess:
			return parseRoute(body), nil
		case resTopicNotExist:
			return nil, nil
		}
		lastErr = fmt.Errorf("name server %s: code %d: %s", ns, h.Code, h.Remark)
	}
	return nil, lastErr
}

// invoke sends one remoting request to addr on a new connection and returns
// the response header and body.
func invoke(ctx context.Context, addr string, code int, ext map[string]string) (*remotingHeader, []byte, error) {
	return invokeBody(ctx, addr, code, ext, nil)
}

// invokeBody is invoke with a request body.
func invokeBody(ctx context.Context, addr string, code int, ext map[string]string, body []byte) (*remotingHeader, []byte, error) {
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
	h := remotingHeader{Code: code, Language: "GO", Version: 317, Opaque: opaqueSeq.Add(1), ExtFields: ext}
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
	var resp remotingHeader
	if err := json.Unmarshal(buf[4:4+hl], &resp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", addr, err)
	}
	return &resp, buf[4+hl:], nil
}

var (
	// The name server answers in fastjson, whose maps may have unquoted
	// integer keys ({0:"127.0.0.1:10911"}): read the fields we need with
	// patterns rather than a strict JSON decoder.
	reBrokerAddrs = regexp.MustCompile(`"brokerAddrs"\s*:\s*\{([^}]*)\}`)
	reMasterAddr  = regexp.MustCompile(`(?:^|,)\s*"?0"?\s*:\s*"([^"]+)"`)
	reReadQueues  = regexp.MustCompile(`"readQueueNums"\s*:\s*(\d+)`)
	reBrokerData  = regexp.MustCompile(`"brokerAddrs"\s*:\s*\{([^}]*)\}\s*,\s*"brokerName"\s*:\s*"([^"]+)"`)
	reQueueData   = regexp.MustCompile(`\{[^{}]*"brokerName"\s*:\s*"([^"]+)"[^{}]*"readQueueNums"\s*:\s*(\d+)[^{}]*\}`)
)

func parseRoute(body []byte) *route {
	r := &route{perBroker: map[string]int{}, byName: map[string]string{}}
	for _, m := range reBrokerAddrs.FindAllSubmatch(body, -1) {
		if a := reMasterAddr.FindSubmatch(m[1]); a != nil {
			r.brokerAddrs = append(r.brokerAddrs, string(a[1]))
		}
	}
	for _, m := range reReadQueues.FindAllSubmatch(body, -1) {
		q, _ := strconv.Atoi(string(m[1]))
		r.queues += q
	}
	names := map[string]string{} // broker name -> master address
	for _, m := range reBrokerData.FindAllSubmatch(body, -1) {
		if a := reMasterAddr.FindSubmatch(m[1]); a != nil {
			names[string(m[2])] = string(a[1])
			r.byName[string(m[2])] = string(a[1])
		}
	}
	for _, m := range reQueueData.FindAllSubmatch(body, -1) {
		q, _ := strconv.Atoi(string(m[2]))
		addr := names[string(m[1])]
		if addr == "" && len(r.brokerAddrs) == 1 {
			addr = r.brokerAddrs[0]
		}
		if addr != "" {
			r.perBroker[addr] += q
		}
	}
	return r
}
