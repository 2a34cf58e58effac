package kafka

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/mq/driver"
)

// BenchmarkDriverGroupConsume is the adapter's group consume without the mq
// consume loop: Receive batches of up to 256 and Ack them, to tell the
// driver's cost from mq's dispatch (compare with BenchmarkGroupConsume).
func BenchmarkDriverGroupConsume(b *testing.B) {
	raw := os.Getenv("UNIMQ_KAFKA_URL")
	if raw == "" {
		raw = "kafka://127.0.0.1:9092"
	}
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dc, err := open(ctx, u, &driver.OpenConfig{Logger: slog.Default()})
	if err != nil {
		b.Skipf("no broker: %v", err)
	}
	c := dc.(*conn)
	defer c.Close(ctx)
	topic := "bench-driver-" + time.Now().Format("150405.000000")
	if err := createTopic(ctx, c.client, c.admin, topic, 3, -1); err != nil {
		b.Fatal(err)
	}
	ap, err := sarama.NewAsyncProducerFromClient(c.client)
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 256)
	go func() {
		for i := 0; i < b.N; i++ {
			ap.Input() <- &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(body)}
		}
	}()
	for i := 0; i < b.N; i++ {
		select {
		case <-ap.Successes():
		case err := <-ap.Errors():
			b.Fatal(err)
		}
	}
	_ = ap.Close()
	b.ResetTimer()
	sub, err := c.Subscribe(ctx, &driver.SubscriptionConfig{Topic: topic, Group: "bench-driver-" + topic, Prefetch: 256,
		Start: driver.StartPosition{Kind: driver.StartOldest}})
	if err != nil {
		b.Fatal(err)
	}
	var start time.Time
	for n := 0; n < b.N; {
		ms, err := sub.Receive(ctx, 256)
		if err != nil {
			b.Fatal(err)
		}
		if start.IsZero() {
			start = time.Now()
		}
		if err := sub.Ack(ctx, ms); err != nil {
			b.Fatal(err)
		}
		n += len(ms)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
	b.StopTimer()
	_ = sub.Close(ctx)
}
