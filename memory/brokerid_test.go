package memory

import (
	"strconv"
	"strings"
	"testing"
)

// BrokerIDs are cut from an arena with unsafe.String: an id handed out must
// never change when later ids fill the arena or a new arena starts.
func TestBrokerIDsStayIntactAcrossArenas(t *testing.T) {
	tp := &topic{idPrefix: []string{"orders/0@", "orders/1@"}}
	ids := make([]string, 5000) // about 50 arenas of 4 KiB
	for i := range ids {
		ids[i] = tp.brokerID(int32(i%2), int64(i))
	}
	for i, id := range ids {
		if want := "orders/" + strconv.Itoa(i%2) + "@" + strconv.Itoa(i); id != want {
			t.Fatalf("id %d = %q, want %q", i, id, want)
		}
	}
}

// A topic name too long for the arena gets plain strings, still right.
func TestBrokerIDLongTopicName(t *testing.T) {
	long := strings.Repeat("x", 2000) + "/0@"
	tp := &topic{idPrefix: []string{long}}
	a, b := tp.brokerID(0, 7), tp.brokerID(0, 8)
	if a != long+"7" || b != long+"8" {
		t.Fatalf("ids = %q..., %q...", a[len(a)-3:], b[len(b)-3:])
	}
}

// The arena is what the unsafe.String pays for: BenchmarkPublish shows one
// allocation per message with it and two with a string copy per id (and
// about a third more time per publish). This keeps it from regressing
// silently: an id costs far less than one allocation.
func TestBrokerIDAllocatesPerArenaNotPerID(t *testing.T) {
	tp := &topic{idPrefix: []string{"orders/0@"}}
	off := int64(0)
	allocs := testing.AllocsPerRun(2000, func() {
		off++
		_ = tp.brokerID(0, off)
	})
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per BrokerID, want about 1 per arena (~0.01)", allocs)
	}
}
