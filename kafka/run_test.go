package kafka

import (
	"fmt"
	"testing"

	"github.com/IBM/sarama"
)

func TestReadRunTakesWhatIsWaiting(t *testing.T) {
	cs := newClaimState("orders", 2, nil)
	rec := func(off int64) *sarama.ConsumerMessage {
		return &sarama.ConsumerMessage{Topic: "orders", Partition: 2, Offset: off, Key: []byte("k"), Value: []byte("v"),
			Headers: []*sarama.RecordHeader{{Key: []byte("h"), Value: []byte("x")}}}
	}
	msgs := make(chan *sarama.ConsumerMessage, 10)
	for off := int64(101); off <= 105; off++ {
		msgs <- rec(off)
	}
	ds := readRun(rec(100), msgs, 4, cs)
	if len(ds) != 4 {
		t.Fatalf("run of %d records, want 4 (the limit)", len(ds))
	}
	for i, d := range ds {
		off := int64(100 + i)
		if want := fmt.Sprintf("orders/2@%d", off); d.dm.BrokerID != want {
			t.Errorf("record %d: BrokerID %q, want %q", i, d.dm.BrokerID, want)
		}
		if d.dm.Offset != off || d.dm.Key != "k" || string(d.dm.Body) != "v" || d.dm.Headers["h"] != "x" {
			t.Errorf("record %d: %+v", i, d.dm)
		}
		if id := d.dm.AckID.(*ackID); id.cs != cs || id.offset != off {
			t.Errorf("record %d: ack handle %+v", i, id)
		}
	}
	if len(msgs) != 2 {
		t.Errorf("%d records left in the channel, want 2", len(msgs))
	}
	close(msgs)
	if ds := readRun(rec(200), msgs, 10, cs); len(ds) != 3 {
		t.Errorf("after close: run of %d, want 3 (the rest, then the closed channel ends it)", len(ds))
	}
}

func TestReadRunAllocatesPerRunNotPerRecord(t *testing.T) {
	cs := newClaimState("orders", 0, nil)
	recs := make([]*sarama.ConsumerMessage, 64)
	for i := range recs {
		recs[i] = &sarama.ConsumerMessage{Topic: "orders", Offset: int64(1_000_000 + i), Value: []byte("v")}
	}
	msgs := make(chan *sarama.ConsumerMessage, len(recs))
	allocs := testing.AllocsPerRun(20, func() {
		for _, r := range recs[1:] {
			msgs <- r
		}
		if n := len(readRun(recs[0], msgs, len(recs), cs)); n != len(recs) {
			t.Fatalf("run of %d", n)
		}
	})
	if allocs > 2 {
		t.Errorf("a run of %d records allocates %v times, want at most 2", len(recs), allocs)
	}
}
