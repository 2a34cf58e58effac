package smoke

import (
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/brokertest"
)

func TestKafkaRoundTrip(t *testing.T) {
	addrs := brokertest.KafkaAddrs(t)

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest

	topic := uniqueName("kafka")
	adm, err := sarama.NewClusterAdmin(addrs, cfg)
	if err != nil {
		t.Fatalf("cluster admin: %v", err)
	}
	defer adm.Close()
	if err := adm.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	defer func() { _ = adm.DeleteTopic(topic) }()

	prod, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer prod.Close()
	body := "hello " + topic
	// The new topic's leader may take a moment to be known: retry until a deadline.
	deadline := time.Now().Add(30 * time.Second)
	var partition int32
	var offset int64
	for {
		partition, offset, err = prod.SendMessage(&sarama.ProducerMessage{
			Topic: topic, Key: sarama.StringEncoder("k"), Value: sarama.StringEncoder(body),
		})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("send: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	cons, err := sarama.NewConsumer(addrs, cfg)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition(topic, partition, offset)
	if err != nil {
		t.Fatalf("consume partition: %v", err)
	}
	defer pc.Close()
	select {
	case m := <-pc.Messages():
		if string(m.Value) != body || string(m.Key) != "k" {
			t.Fatalf("got key=%q value=%q, want k/%q", m.Key, m.Value, body)
		}
	case err := <-pc.Errors():
		t.Fatalf("consume: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no message within 30s")
	}
}
