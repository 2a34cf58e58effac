package rabbitmq_test

// Interleaved benchmarks: raw amqp091-go and unimq take turns, 100 messages
// each, alternating which goes first, on the same broker with the same
// settings, so that the load of a shared machine weighs on both alike.
// Reported metrics: raw-msg/s, unimq-msg/s and unimq/raw (throughput ratio),
// and the process CPU time (user+system, this client's goroutines, amqp091's
// and the GC) spent during each side's turns per message: raw-cpu-us/msg and
// unimq-cpu-us/msg, which wall-clock noise from other processes does not
// move.

import (
	"context"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/internal/benchtest"
	"github.com/unimq/unimq/mq"
)

const turn = 100

// interleave runs raw(n) and unimq(n) in turns until b.N messages each.
func interleave(b *testing.B, raw, unimq func(n int)) {
	b.Helper()
	var tr, tu, cr, cu time.Duration
	b.ResetTimer()
	for i, k := 0, 0; i < b.N; i, k = i+turn, k+1 {
		n := min(turn, b.N-i)
		timed := func(f func(int), wall, cpu *time.Duration) {
			c0 := benchtest.CPUTime()
			start := time.Now()
			f(n)
			*wall += time.Since(start)
			*cpu += benchtest.CPUTime() - c0
		}
		if k%2 == 0 {
			timed(raw, &tr, &cr)
			timed(unimq, &tu, &cu)
		} else {
			timed(unimq, &tu, &cu)
			timed(raw, &tr, &cr)
		}
	}
	b.StopTimer()
	rr := float64(b.N) / tr.Seconds()
	ru := float64(b.N) / tu.Seconds()
	b.ReportMetric(rr, "raw-msg/s")
	b.ReportMetric(ru, "unimq-msg/s")
	b.ReportMetric(ru/rr, "unimq/raw")
	b.ReportMetric(float64(cr.Microseconds())/float64(b.N), "raw-cpu-us/msg")
	b.ReportMetric(float64(cu.Microseconds())/float64(b.N), "unimq-cpu-us/msg")
}

func BenchmarkInterleaved(b *testing.B) {
	ctx := context.Background()
	b.Run("publish-sync", func(b *testing.B) {
		conn, adm := rawConn(b)
		rawTopic, _ := benchTopic(b, adm)
		uTopic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		c := benchClient(b)
		interleave(b, func(n int) {
			for j := 0; j < n; j++ {
				dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, rawTopic, "a.b", true, false, rawPublishing())
				must(b, err)
				if ok, err := dc.WaitContext(ctx); err != nil || !ok {
					b.Fatal("not confirmed", err)
				}
			}
		}, func(n int) {
			for j := 0; j < n; j++ {
				must(b, c.Publish(ctx, uTopic, &mq.Message{Tag: "a.b", Body: payload}))
			}
		})
	})
	b.Run("publish-async", func(b *testing.B) {
		conn, adm := rawConn(b)
		rawTopic, _ := benchTopic(b, adm)
		uTopic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, benchWindow))
		c := benchClient(b)
		window := make(chan struct{}, benchWindow)
		var wg sync.WaitGroup
		interleave(b, func(n int) {
			inflight := 0
			for j := 0; j < n; j++ {
				if inflight == benchWindow {
					<-confirms
					inflight--
				}
				must(b, ch.PublishWithContext(ctx, rawTopic, "a.b", true, false, rawPublishing()))
				inflight++
			}
			for ; inflight > 0; inflight-- {
				<-confirms
			}
		}, func(n int) {
			for j := 0; j < n; j++ {
				window <- struct{}{}
				wg.Add(1)
				must(b, c.PublishAsync(ctx, uTopic, &mq.Message{Tag: "a.b", Body: payload}, func(_ *mq.Message, err error) {
					if err != nil {
						b.Error(err)
					}
					<-window
					wg.Done()
				}))
			}
			wg.Wait()
		})
	})
	b.Run("publish-batch", func(b *testing.B) {
		conn, adm := rawConn(b)
		rawTopic, _ := benchTopic(b, adm)
		uTopic, _ := benchTopic(b, adm)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Confirm(false))
		confirms := ch.NotifyPublish(make(chan amqp.Confirmation, turn))
		c := benchClient(b)
		interleave(b, func(n int) {
			for j := 0; j < n; j++ {
				must(b, ch.PublishWithContext(ctx, rawTopic, "a.b", true, false, rawPublishing()))
			}
			for j := 0; j < n; j++ {
				<-confirms
			}
		}, func(n int) {
			batch := make([]*mq.Message, n)
			for j := range batch {
				batch[j] = &mq.Message{Tag: "a.b", Body: payload}
			}
			must(b, c.PublishBatch(ctx, uTopic, batch))
		})
	})
	b.Run("consume", func(b *testing.B) {
		conn, adm := rawConn(b)
		rawTopic, rawQueue := benchTopic(b, adm)
		uTopic, _ := benchTopic(b, adm)
		fill(b, conn, rawTopic, b.N)
		fill(b, conn, uTopic, b.N)
		ch, err := conn.Channel()
		must(b, err)
		must(b, ch.Qos(benchPrefetch, 0, false))
		ds, err := ch.Consume(rawQueue, "", false, false, false, false, nil)
		must(b, err)
		c := benchClient(b)
		k, err := c.NewConsumer(ctx, uTopic, mq.Group("g"), mq.Prefetch(benchPrefetch))
		must(b, err)
		defer k.Close(ctx)
		interleave(b, func(n int) {
			for j := 0; j < n; j++ {
				d := <-ds
				must(b, d.Ack(false))
			}
		}, func(n int) {
			for got := 0; got < n; {
				ms, err := k.Receive(ctx, n-got, 0)
				must(b, err)
				for _, m := range ms {
					must(b, m.Ack(ctx))
				}
				got += len(ms)
			}
		})
	})
}
