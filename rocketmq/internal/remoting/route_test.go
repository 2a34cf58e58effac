package remoting

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRoute(t *testing.T) {
	body := []byte(`{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"c"},` +
		`{"brokerAddrs":{"0":"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"c"}],` +
		`"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},` +
		`{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}]}`)
	r := ParseRoute(body)
	require.Equal(t, []string{"127.0.0.1:10911", "10.0.0.2:10911"}, r.BrokerAddrs)
	require.Equal(t, 6, r.Queues)
	require.Equal(t, map[string]int{"127.0.0.1:10911": 4, "10.0.0.2:10911": 2}, r.PerBroker)
}

// The handover requests (offsets, unlocks) find a queue's broker by name.
func TestParseRouteBrokerNames(t *testing.T) {
	body := []byte(`{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"c"},` +
		`{"brokerAddrs":{"0":"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"c"}],` +
		`"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4},` +
		`{"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}]}`)
	require.Equal(t, map[string]string{"broker-a": "127.0.0.1:10911", "broker-b": "10.0.0.2:10911"}, ParseRoute(body).ByName)
}
