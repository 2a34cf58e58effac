package rocketmq

import (
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"unsafe"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/emirpasic/gods/maps/treemap"
	godsutils "github.com/emirpasic/gods/utils"
)

// The adapter reads private fields of rocketmq-client-go v2.1.2's push
// consumer (handover.go, subscribe.go), because the client exports no way to
// know which queues it holds, which offsets it will persist, or when its
// rebalance ends. Every accessor gives up quietly when the layout differs
// (Subscribe then stops waiting for its queues, Close no longer hands offsets
// over, orderly queues stay locked until the broker's lock expires): the
// adapter still works, with the replays and delays docs/rocketmq.md
// ("Handover between members") describes for the plain client. This test is
// what makes a layout change loud: it fails naming the field and the
// dependency's version, so upgrading the client means re-reading those
// fields (or dropping the accessor) before anything ships.

// clientVersion is the rocketmq-client-go version this test is built with:
// from the binary's build information, or else the module's go.mod (test
// binaries carry no dependency list).
func clientVersion() string {
	const path = "github.com/apache/rocketmq-client-go/v2"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	if b, err := os.ReadFile("../go.mod"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == path {
				return f[1]
			}
		}
	}
	return "(version unknown; see go.mod)"
}

// layoutConsumer is a push consumer that is never started (no broker).
func layoutConsumer(t *testing.T) rmq.PushConsumer {
	t.Helper()
	pc, err := rmq.NewPushConsumer(consumer.WithNsResolver(primitive.NewPassthroughResolver([]string{"127.0.0.1:1"})),
		consumer.WithGroupName("unimq-layout-check"), consumer.WithInstance("unimq-layout-check"))
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

func TestClientPrivateFieldsLayout(t *testing.T) {
	pc := layoutConsumer(t)
	version := clientVersion()
	fail := func(field, usedBy string) {
		t.Helper()
		t.Errorf("rocketmq-client-go %s: the layout the adapter reads changed: %s (used by %s). "+
			"The adapter was written against v2.1.2; read the new layout and update the accessor, or drop it",
			version, field, usedBy)
	}

	if _, ok := consumerField(pc, "defaultConsumer"); ok {
		// consumerField reads fields of *defaultConsumer; one named
		// defaultConsumer there would mean the nesting changed.
		fail("consumer.defaultConsumer has a field defaultConsumer", "consumerField")
	}
	if processQueues(pc) == nil || heldQueues(pc) == nil {
		fail("consumer.pushConsumer.defaultConsumer (*defaultConsumer) .processQueueTable is not a sync.Map",
			"processQueues: Subscribe's wait for its queues; heldQueues: the orderly handover watch")
	}
	if clientID(pc) == "" {
		fail("defaultConsumer.client (internal.RMQClient) has no method ClientID() string",
			"clientID: unlocking the queues this client locked")
	}
	client, ok := consumerField(pc, "client")
	if !ok || client.Kind() != reflect.Interface || client.IsNil() {
		fail("defaultConsumer.client is not a non-nil interface", "clientCall, waitRebalance")
	} else {
		if m := client.MethodByName("RebalanceImmediately"); !m.IsValid() || m.Type().NumIn() != 0 {
			fail("defaultConsumer.client has no method RebalanceImmediately()",
				"the orderly watch asking its client to rebalance")
		}
		p := client.Elem()
		if p.Kind() != reflect.Pointer || p.Elem().Kind() != reflect.Struct {
			fail("defaultConsumer.client does not hold a pointer to a struct (internal.rmqClient)", "waitRebalance")
		} else if mu := p.Elem().FieldByName("rbMutex"); !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.Mutex{}) {
			fail("internal.rmqClient.rbMutex is not a sync.Mutex", "waitRebalance: Close waits for a rebalance in progress")
		}
	}

	// Start (which needs a broker) gives a clustering consumer a
	// remoteBrokerOffsetStore; put the one it would give.
	storage, ok := consumerField(pc, "storage")
	if !ok || storage.Kind() != reflect.Interface || !storage.CanSet() {
		fail("defaultConsumer.storage is not an interface field (consumer.OffsetStore)", "clientOffsets")
		return
	}
	storage.Set(reflect.ValueOf(consumer.NewRemoteOffsetStore("unimq-layout-check", nil, nil)))
	if clientOffsets(pc) == nil {
		fail("consumer.remoteBrokerOffsetStore has no mutex sync.RWMutex and OffsetTable map[primitive.MessageQueue]int64",
			"clientOffsets: Close's synchronous offset commit and the quick persist after acknowledgements")
	}
	raiseClientOffsets(pc, map[primitive.MessageQueue]int64{{Topic: "t", QueueId: 1}: 7})
	if clientOffsets(pc)[primitive.MessageQueue{Topic: "t", QueueId: 1}] != 7 {
		fail("consumer.remoteBrokerOffsetStore.OffsetTable cannot be raised", "raiseClientOffsets: Close's offsets agree with the client's")
	}

	// A process queue: its type is the first parameter of the push
	// consumer's submitToConsume.
	submit := reflect.ValueOf(pc).Elem().FieldByName("submitToConsume")
	if !submit.IsValid() || submit.Kind() != reflect.Func || submit.Type().NumIn() < 1 || submit.Type().In(0).Kind() != reflect.Pointer {
		fail("pushConsumer.submitToConsume is not a func(*processQueue, ...)", "this test, to find the process queue type")
		return
	}
	pq := reflect.New(submit.Type().In(0).Elem())
	cache := pq.Elem().FieldByName("msgCache")
	top := pq.Elem().FieldByName("queueOffsetMax")
	if !cache.IsValid() || cache.Type() != reflect.TypeOf((*treemap.Map)(nil)) || !top.IsValid() || top.Kind() != reflect.Int64 {
		fail("processQueue has no msgCache *treemap.Map and queueOffsetMax int64", "readPQ: the offsets Close commits")
		return
	}
	m := treemap.NewWith(godsutils.Int64Comparator)
	m.Put(int64(5), nil)
	m.Put(int64(3), nil)
	reflect.NewAt(cache.Type(), unsafe.Pointer(cache.UnsafeAddr())).Elem().Set(reflect.ValueOf(m))
	reflect.NewAt(top.Type(), unsafe.Pointer(top.UnsafeAddr())).Elem().SetInt(5)
	if v, ok := readPQ(pq.Interface()); !ok || !reflect.DeepEqual(v.held, []int64{3, 5}) || v.max != 5 {
		fail("processQueue.mutex/msgCache/queueOffsetMax", "readPQ: the offsets Close commits")
	}
	if !t.Failed() {
		t.Logf("rocketmq-client-go %s: every private field the adapter reads is where v2.1.2 has it", version)
	}
}
