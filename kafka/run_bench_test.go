package kafka

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// BenchmarkClaimRun is the adapter's own work per consumed record, without
// a broker: a run of 64 records (256-byte values, no headers) is converted
// (readRun), tracked, handed out as Receive does (admit) and acknowledged
// as Ack does (settleRun). An op is one record. Run:
//
//	go test -run '^$' -bench ClaimRun -benchmem ./kafka/
func BenchmarkClaimRun(b *testing.B) {
	const run = 64
	cs := newClaimState("orders", 0, nil)
	body := make([]byte, 256)
	recs := make([]*sarama.ConsumerMessage, run)
	msgs := make(chan *sarama.ConsumerMessage, run)
	offset := int64(0)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += run {
		for i := range recs {
			recs[i] = &sarama.ConsumerMessage{Topic: "orders", Offset: offset, Value: body}
			offset++
		}
		for _, r := range recs[1:] {
			msgs <- r
		}
		ds := readRun(recs[0], msgs, run, cs)
		cs.deliveredRun(ds)
		out := make([]*driver.Message, 0, len(ds))
		for i := range ds {
			out = append(out, &ds[i].dm)
		}
		got, _ := admit(nil, out, run)
		if rest := cs.settleRun(got); len(rest) != 0 || len(got) != run {
			b.Fatalf("settled %d of %d", len(got)-len(rest), run)
		}
	}
}
