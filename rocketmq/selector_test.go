package rocketmq

import (
	"fmt"
	"testing"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/stretchr/testify/require"
)

// The default selector puts a key on the queue the Java client's
// SelectMessageQueueByHash picks. The vectors were computed by Java 17
// (String.hashCode, then the selector's abs(hash % n)) for 1, 3, 4, 8 and 16
// queues.
func TestJavaSelectorMatchesJava(t *testing.T) {
	vectors := []struct {
		key  string
		hash int32
		idx  [5]int
	}{
		{"order-1", -1207111310, [5]int{0, 2, 2, 6, 14}},
		{"order-42", 1234255197, [5]int{0, 0, 1, 5, 13}},
		{"user:7", -836031416, [5]int{0, 2, 0, 0, 8}},
		{"a", 97, [5]int{0, 1, 1, 1, 1}},
		{"polygenelubricants", -2147483648, [5]int{0, 2, 0, 0, 0}}, // hashCode is Integer.MIN_VALUE
		{"clé-été", 977248241, [5]int{0, 2, 1, 1, 1}},
		{"键值", 1204430, [5]int{0, 2, 2, 6, 14}},
		{"emoji-\U0001F600", 1164511306, [5]int{0, 1, 2, 2, 10}}, // a surrogate pair in UTF-16
		{"Aa", 2112, [5]int{0, 0, 0, 0, 0}},
		{"order-2147483648", -1440334836, [5]int{0, 0, 0, 4, 4}},
		{"zzzzzzzzzzzzzzzzzzzz", 1718487168, [5]int{0, 0, 0, 0, 0}},
	}
	s := &queueSelector{}
	for _, v := range vectors {
		require.Equal(t, v.hash, javaStringHash(v.key), v.key)
		for i, n := range []int{1, 3, 4, 8, 16} {
			mqs := make([]*primitive.MessageQueue, n)
			for q := range mqs {
				mqs[q] = &primitive.MessageQueue{Topic: "t", BrokerName: "broker-a", QueueId: q}
			}
			m := primitive.NewMessage("t", []byte("x"))
			m.WithProperty(propShardingKey, v.key)
			require.Equal(t, v.idx[i], s.Select(m, mqs, "").QueueId, "key %q over %d queues", v.key, n)
		}
	}
}

// selector=fnv keeps the placement of rocketmq-client-go's hash selector
// (FNV-1a), and the two selectors do disagree.
func TestFNVSelector(t *testing.T) {
	mqs := make([]*primitive.MessageQueue, 8)
	for q := range mqs {
		mqs[q] = &primitive.MessageQueue{Topic: "t", BrokerName: "broker-a", QueueId: q}
	}
	fnvSel, javaSel := &queueSelector{fnv: true}, &queueSelector{}
	differ := 0
	for i := 0; i < 64; i++ {
		m := primitive.NewMessage("t", []byte("x"))
		k := fmt.Sprintf("order-%d", i)
		m.WithProperty(propShardingKey, k)
		require.Equal(t, fnvIndex(k, 8), fnvSel.Select(m, mqs, "").QueueId)
		if fnvSel.Select(m, mqs, "").QueueId != javaSel.Select(m, mqs, "").QueueId {
			differ++
		}
	}
	require.Positive(t, differ)
}
