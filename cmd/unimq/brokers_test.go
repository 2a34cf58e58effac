package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/unimq/unimq/internal/brokertest"
)

// TestRealBrokers runs ping, publish, consume, tail, topics describe and bench against each
// real broker. A missing broker skips its case, or fails it under
// UNIMQ_REQUIRE_BROKERS=1.
func TestRealBrokers(t *testing.T) {
	for _, c := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"kafka", brokertest.KafkaURL},
		{"rabbitmq", brokertest.AMQPURL},
		{"rocketmq", brokertest.RocketMQURL},
	} {
		t.Run(c.name, func(t *testing.T) {
			// rocketmq-client-go races on its own: RocketMQ without -race.
			if c.name == "rocketmq" && brokertest.RaceFree(t) {
				return
			}
			brokerCase(t, c.url(t))
		})
	}
}

func brokerCase(t *testing.T, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := mustRun(t, url, "", "ping")
	if !strings.HasPrefix(r.stdout, "ok ") {
		t.Fatalf("ping: %q", r.stdout)
	}
	topic, group := unique("cli-real"), unique("cli-real-g")
	// consume and tail run first: on RabbitMQ a group's queue (and tail's
	// private queue) keeps what is published from its creation on.
	type out struct {
		code   int
		stdout string
		stderr *brokertest.SyncBuffer
	}
	start := func(args ...string) (chan out, *brokertest.SyncBuffer) {
		ch, stderr := make(chan out, 1), new(brokertest.SyncBuffer)
		go func() {
			var stdout strings.Builder
			code := run(ctx, args, nil, &stdout, stderr, func(string) string { return "" })
			ch <- out{code, stdout.String(), stderr}
		}()
		waitFor(t, ctx, strings.Join(args[:1], " ")+" to subscribe", func() bool { return strings.Contains(stderr.String(), "consuming ") })
		return ch, stderr
	}
	consumed, _ := start("consume", url, topic, "--group", group, "--count", "3", "--format", "json")
	tailed, _ := start("tail", url, topic, "--count", "3", "--format", "json")
	r = mustRun(t, "", "one\ntwo\n", "publish", url, topic, "--key", "k1", "--tag", "created", "--header", "h=v", "--id", "cli")
	if strings.Count(r.stdout, "confirmed topic="+topic) != 2 {
		t.Fatalf("publish: %q", r.stdout)
	}
	r = mustRun(t, "", "", "publish", url, topic, "--key", "k1", "--tag", "created", "--header", "h=v", "--async", "three")
	if strings.Count(r.stdout, "confirmed topic="+topic) != 1 {
		t.Fatalf("publish --async: %q", r.stdout)
	}
	for name, ch := range map[string]chan out{"consume": consumed, "tail": tailed} {
		o := <-ch
		if o.code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, o.code, o.stderr.String())
		}
		rs := records(t, o.stdout)
		if len(rs) != 3 {
			t.Fatalf("%s: %s", name, o.stdout)
		}
		bodies := map[string]bool{}
		for _, x := range rs {
			bodies[x.Body] = true
			if x.Key != "k1" || x.Tag != "created" || x.Headers["h"] != "v" || x.Attempt != 1 || x.Topic != topic {
				t.Fatalf("%s: record %+v", name, x)
			}
		}
		if !bodies["one"] || !bodies["two"] || !bodies["three"] || rs[0].ID != "cli-1" {
			t.Fatalf("%s: %s", name, o.stdout)
		}
	}

	describeCase(t, url, topic, group)

	r = mustRun(t, url, "", "bench", unique("cli-bench"), "--count", "300", "--publishers", "2", "--json")
	var rep benchReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	checkBench(t, rep, 300)
	t.Logf("bench: %s", strings.TrimSpace(r.stdout))
}

// describeCase: after the group consumed all 3 messages, describe tells the
// topic's partitions or queues and, where the backend can, the group's
// backlog: 0.
func describeCase(t *testing.T, url, topic, group string) {
	t.Helper()
	r := mustRun(t, url, "", "topics", "describe", topic, "--group", group, "--json")
	var info topicInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("describe: %v: %q", err, r.stdout)
	}
	t.Logf("describe: %s", strings.TrimSpace(r.stdout))
	switch info.Backend {
	case "kafka":
		if info.Kind != "partitioned" || len(info.Parts) == 0 || info.Depth < 3 || info.Parts[0].Broker == "" ||
			len(info.Groups) != 1 || info.Groups[0].Backlog != 0 {
			t.Fatalf("describe: %+v", info)
		}
	case "rabbitmq":
		if info.Kind != "exchange" || len(info.Groups) != 1 || info.Groups[0].Queue != topic+"."+group ||
			info.Groups[0].Backlog != 0 || info.Groups[0].Consumers != 0 {
			t.Fatalf("describe: %+v", info)
		}
	case "rocketmq":
		if info.Kind != "queues" || len(info.Parts) == 0 || info.Parts[0].Broker == "" {
			t.Fatalf("describe: %+v", info)
		}
	default:
		t.Fatalf("describe: backend %q", info.Backend)
	}
	// The error is the last line (RocketMQ's client logs its failed route
	// query before it).
	r = invoke(t, url, "", "topics", "describe", unique("cli-nosuch"))
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; r.code != exitFail || strings.Count(last, "unimq") != 1 ||
		!strings.HasPrefix(last, "unimq "+info.Backend+" describe: not found: topic cli-nosuch") {
		t.Fatalf("describe of an unknown topic: %+v", r)
	}
}
