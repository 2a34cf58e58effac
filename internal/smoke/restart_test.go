package smoke

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/internal/brokertest"
)

// The restart tests check that `scripts/brokers.sh restart X` keeps the broker's data: a message
// stored before the restart is read after it. They restart shared brokers, so they only run in
// make test's restart phase (UNIMQ_BROKER_RESTARTS=1, one package at a time):
//
//	UNIMQ_BROKER_RESTARTS=1 go test -run Restart -v ./internal/smoke/
func restartBroker(t *testing.T, broker string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if err := brokertest.Restart(ctx, t, broker); err != nil {
		t.Fatalf("brokers.sh restart %s: %v", broker, err)
	}
	t.Logf("restart %s took %v", broker, time.Since(start).Round(time.Second))
}

func skipUnlessRestart(t *testing.T) {
	t.Helper()
	brokertest.SkipUnlessRestartsAllowed(t)
}

func TestKafkaRestartKeepsData(t *testing.T) {
	skipUnlessRestart(t)
	addrs := brokertest.KafkaAddrs(t)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	topic := uniqueName("kafka-restart")
	body := "kept " + topic

	prod, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	var partition int32
	var offset int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		partition, offset, err = prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(body)})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("send: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = prod.Close()

	restartBroker(t, "kafka")

	deadline = time.Now().Add(60 * time.Second)
	for {
		got, err := func() (string, error) {
			cons, err := sarama.NewConsumer(addrs, cfg)
			if err != nil {
				return "", err
			}
			defer cons.Close()
			pc, err := cons.ConsumePartition(topic, partition, offset)
			if err != nil {
				return "", err
			}
			defer pc.Close()
			select {
			case m := <-pc.Messages():
				return string(m.Value), nil
			case err := <-pc.Errors():
				return "", err
			case <-time.After(10 * time.Second):
				return "", context.DeadlineExceeded
			}
		}()
		if err == nil {
			if got != body {
				t.Fatalf("after restart got %q, want %q", got, body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("read after restart: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestRabbitMQRestartKeepsData(t *testing.T) {
	skipUnlessRestart(t)
	uri := brokertest.AMQPURI(t)
	queue := uniqueName("amqp-restart")
	body := "kept " + queue
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := amqp.Dial(uri)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatalf("declare: %v", err)
	}
	conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false,
		amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(body)})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if ok, err := conf.WaitContext(ctx); err != nil || !ok {
		t.Fatalf("not confirmed: %v %v", ok, err)
	}
	_ = conn.Close()

	restartBroker(t, "rabbitmq")

	deadline := time.Now().Add(60 * time.Second)
	for {
		got, ok, err := func() (string, bool, error) {
			conn, err := amqp.Dial(uri)
			if err != nil {
				return "", false, err
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil {
				return "", false, err
			}
			d, ok, err := ch.Get(queue, true)
			if err != nil || !ok {
				return "", ok, err
			}
			_, _ = ch.QueueDelete(queue, false, false, false)
			return string(d.Body), true, nil
		}()
		if err == nil && ok {
			if got != body {
				t.Fatalf("after restart got %q, want %q", got, body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("get after restart: ok=%v err=%v", ok, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestRocketMQRestartKeepsData(t *testing.T) {
	skipUnlessRestart(t)
	if brokertest.RaceFree(t) { // rocketmq-client-go's own races (TestRocketMQRoundTrip)
		return
	}
	ns := brokertest.RocketMQNameServers(t)
	brokerAddr := brokertest.RocketMQBrokerAddr(t)
	topic := uniqueName("rmq-restart")
	body := "kept " + topic
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := brokertest.RocketMQEnsureTopic(ctx, ns, brokerAddr, topic, 1); err != nil {
		t.Fatal(err)
	}
	rocketmqSend(ctx, t, ns, topic, topic, body)

	restartBroker(t, "rocketmq")
	if err := brokertest.RocketMQEnsureTopic(ctx, ns, brokerAddr, topic, 1); err != nil {
		t.Fatal(err)
	}

	if b := rocketmqReceiveOne(ctx, t, ns, topic, topic+"-g"); b != body {
		t.Fatalf("after restart got %q, want %q", b, body)
	}
}
