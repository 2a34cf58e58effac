package kafka

import (
	"strconv"
	"strings"

	"github.com/IBM/sarama"
)

// maxRunCap bounds a run of records (subscription.maxRun): the records of
// a partition already fetched are converted and handed to mq together, up
// to this many. The adapter declares it as Capabilities.MinPrefetch, so a
// Subscriber with no Prefetch holds at least one full run; mq's engine
// makes that negotiation (mq/internal/consume/tuning.go) and passes the
// result back as SubscriptionConfig.Prefetch.
const maxRunCap = 256

// readRun takes first and whatever else msgs already holds, up to most
// records, and converts them into deliveries of cs allocated together: one
// allocation for the messages and their ack handles, one for all their
// BrokerIDs, so a busy partition costs a few allocations per run instead of
// two per record. A closed msgs ends the run (the caller sees it next).
func readRun(first *sarama.ConsumerMessage, msgs <-chan *sarama.ConsumerMessage, most int, cs *claimState) []delivery {
	var buf [maxRunCap]*sarama.ConsumerMessage
	recs := append(buf[:0], first)
	most = min(most, maxRunCap)
more:
	for len(recs) < most {
		select {
		case r, ok := <-msgs:
			if !ok {
				break more
			}
			recs = append(recs, r)
		default:
			break more
		}
	}
	ds := make([]delivery, len(recs))
	var ids strings.Builder
	ids.Grow(len(recs) * (len(cs.topic) + 16))
	var ends [maxRunCap]int
	var num [20]byte
	for i, r := range recs {
		readRecord(&ds[i], r, cs)
		// BrokerID "topic/partition@offset", as brokerID builds it
		ids.WriteString(r.Topic)
		ids.WriteByte('/')
		ids.Write(strconv.AppendInt(num[:0], int64(r.Partition), 10))
		ids.WriteByte('@')
		ids.Write(strconv.AppendInt(num[:0], r.Offset, 10))
		ends[i] = ids.Len()
	}
	all, start := ids.String(), 0
	for i := range ds {
		ds[i].dm.BrokerID = all[start:ends[i]]
		start = ends[i]
	}
	return ds
}
