package remoting

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
)

// Route is what a name server knows about a topic.
type Route struct {
	BrokerAddrs []string          // master addresses
	Queues      int               // readable queues, summed over brokers
	PerBroker   map[string]int    // master address -> read queues
	ByName      map[string]string // broker name -> master address
}

// QueryRoute asks the name servers (first that answers) for topic's route.
// A topic unknown to the name server gives (nil, nil).
func QueryRoute(ctx context.Context, nameServers []string, topic string) (*Route, error) {
	var lastErr error
	for _, ns := range nameServers {
		h, body, err := Invoke(ctx, ns, ReqGetRouteInfoByTopic, map[string]string{"topic": topic})
		if err != nil {
			lastErr = err
			continue
		}
		switch h.Code {
		case ResSuccess:
			return ParseRoute(body), nil
		case ResTopicNotExist:
			return nil, nil
		}
		lastErr = fmt.Errorf("name server %s: code %d: %s", ns, h.Code, h.Remark)
	}
	return nil, lastErr
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

// ParseRoute reads a GET_ROUTEINFO_BY_TOPIC answer.
func ParseRoute(body []byte) *Route {
	r := &Route{PerBroker: map[string]int{}, ByName: map[string]string{}}
	for _, m := range reBrokerAddrs.FindAllSubmatch(body, -1) {
		if a := reMasterAddr.FindSubmatch(m[1]); a != nil {
			r.BrokerAddrs = append(r.BrokerAddrs, string(a[1]))
		}
	}
	for _, m := range reReadQueues.FindAllSubmatch(body, -1) {
		q, _ := strconv.Atoi(string(m[1]))
		r.Queues += q
	}
	names := map[string]string{} // broker name -> master address
	for _, m := range reBrokerData.FindAllSubmatch(body, -1) {
		if a := reMasterAddr.FindSubmatch(m[1]); a != nil {
			names[string(m[2])] = string(a[1])
			r.ByName[string(m[2])] = string(a[1])
		}
	}
	for _, m := range reQueueData.FindAllSubmatch(body, -1) {
		q, _ := strconv.Atoi(string(m[2]))
		addr := names[string(m[1])]
		if addr == "" && len(r.BrokerAddrs) == 1 {
			addr = r.BrokerAddrs[0]
		}
		if addr != "" {
			r.PerBroker[addr] += q
		}
	}
	return r
}
