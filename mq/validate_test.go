package mq_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

var fakeFeatures = driver.CapSyncPublish | driver.CapAsyncPublish | driver.CapOneWay | driver.CapBatch |
	driver.CapTransactions | driver.CapPull | driver.CapDelay

// topicCalls runs every call that takes a topic and returns its error.
func topicCalls(c *mq.Client) map[string]func(topic string) error {
	ctx := context.Background()
	ok := func(context.Context, *mq.Message) error { return nil }
	return map[string]func(string) error{
		"Publish":       func(tp string) error { return c.Publish(ctx, tp, &mq.Message{}) },
		"PublishBatch":  func(tp string) error { return c.PublishBatch(ctx, tp, []*mq.Message{{}}) },
		"PublishOneWay": func(tp string) error { return c.PublishOneWay(ctx, tp, &mq.Message{}) },
		"PublishAsync": func(tp string) error {
			return c.PublishAsync(ctx, tp, &mq.Message{}, func(*mq.Message, error) {})
		},
		"PublishFuture": func(tp string) error { return c.PublishFuture(ctx, tp, &mq.Message{}).Wait(ctx) },
		"PublishTx": func(tp string) error {
			return c.PublishTx(ctx, tp, []*mq.Message{{}}, func(context.Context) error { return nil })
		},
		"Subscribe": func(tp string) error {
			s, err := c.Subscribe(ctx, tp, ok)
			if err == nil {
				_ = s.Close(ctx)
			}
			return err
		},
		"NewConsumer": func(tp string) error {
			k, err := c.NewConsumer(ctx, tp)
			if err == nil {
				_ = k.Close(ctx)
			}
			return err
		},
		"Declare": func(tp string) error { return c.Declare(ctx, tp, "g") },
	}
}

func TestTopicNamesFollowTheBackendsRule(t *testing.T) {
	for _, rule := range []driver.NameRule{driver.KafkaTopics, driver.RocketMQTopics, driver.AMQPTopics, driver.PortableTopics, {}} {
		t.Run(rule.Name+"rule", func(t *testing.T) {
			c, fc, err := openFake("topics-"+rule.Name, driver.Capabilities{Backend: "fake", Features: fakeFeatures, Topics: rule})
			require.NoError(t, err)
			defer c.Close(context.Background())
			want := rule
			if want == (driver.NameRule{}) {
				want = driver.BaseTopics
			}
			assert.Equal(t, want, c.Capabilities().Topics, "a zero rule means the base rule")
			bad := []string{"", "a b", "a\nb", "a\x00b", "\xff", "a\u00a0b", "a\u0085b"}
			if want.MaxLen > 0 {
				bad = append(bad, strings.Repeat("t", want.MaxLen+1))
			}
			if !want.Any {
				bad = append(bad, "a/b", "a:b", "grüße")
				if !strings.Contains(want.Extra, ".") {
					bad = append(bad, "a.b")
				}
			}
			for name, call := range topicCalls(c) {
				for _, tp := range bad {
					err := call(tp)
					assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "%s to topic %q: %v", name, tp, err)
				}
				good := "orders-2024_x"
				if want.MaxLen > 0 {
					good += strings.Repeat("y", want.MaxLen-len(good))
				}
				assert.NoError(t, call(good), "%s to topic %q", name, good)
			}
			// Refused calls sent nothing: only the good publishes
			// (Future, Async, OneWay, Publish, Batch, Tx = 6) reached the driver.
			assert.Equal(t, 6, fc.count())
		})
	}
}

func TestMessageInputRules(t *testing.T) {
	c, fc, err := openFake("input-rules", driver.Capabilities{Backend: "fake", Features: fakeFeatures})
	require.NoError(t, err)
	defer c.Close(context.Background())
	ctx := context.Background()
	h := func(k, v string) map[string]string { return map[string]string{k: v} }
	refused := map[string]*mq.Message{
		"ID with a newline":               {ID: "a\nb"},
		"ID with DEL":                     {ID: "a\x7fb"},
		"Key with invalid UTF-8":          {Key: "k\xff"},
		"Key with a C1 control":           {Key: "k\u0085"},
		"Key with a RocketMQ separator":   {Key: "k\x02DELAY\x013"},
		"Tag with a control character":    {Tag: "t\x01TAGS"},
		"Tag over MaxTagLen":              {Tag: strings.Repeat("t", mq.MaxTagLen+1)},
		"Tag with invalid UTF-8":          {Tag: "\xc3"},
		"empty header name":               {Headers: h("", "v")},
		"reserved header name":            {Headers: h("unimq-attempt", "9")},
		"reserved header name, upper":     {Headers: h("UNIMQ-ID", "x")},
		"reserved header name, mixed":     {Headers: h("Unimq-Dead-Reason", "x")},
		"header name with a newline":      {Headers: h("a\nb", "v")},
		"header name with NUL":            {Headers: h("a\x00", "v")},
		"header name with invalid UTF-8":  {Headers: h("\xfe", "v")},
		"header name over the limit":      {Headers: h(strings.Repeat("h", mq.MaxHeaderNameLen+1), "v")},
		"header value with invalid UTF-8": {Headers: h("x", "v\xff")},
	}
	for what, m := range refused {
		err := c.Publish(ctx, "t", m)
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "%s: %v", what, err)
		err = c.PublishBatch(ctx, "t", []*mq.Message{{}, m})
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "batch, %s: %v", what, err)
	}
	assert.Equal(t, 0, fc.count(), "a refused message reached the driver")

	accepted := map[string]*mq.Message{
		"Tag of MaxTagLen bytes":            {Tag: strings.Repeat("t", mq.MaxTagLen)},
		"header name of the most bytes":     {Headers: h(strings.Repeat("h", mq.MaxHeaderNameLen), "v")},
		"unicode everywhere":                {ID: "ïd", Key: "ключ", Tag: "标签", Headers: h("名前", "値 ✓")},
		"name containing unimq, not prefix": {Headers: h("x-unimq-a", "v")},
		"name unimq without the dash":       {Headers: h("unimq", "v")},
		"value with control characters":     {Headers: h("trace", "line1\nline2\ttab\x01")},
	}
	for what, m := range accepted {
		assert.NoError(t, c.Publish(ctx, "t", m), what)
	}
	require.Equal(t, len(accepted), fc.count())
	fc.mu.Lock()
	defer fc.mu.Unlock()
	for _, dm := range fc.sent {
		for what, m := range accepted {
			if dm.Tag == m.Tag && dm.Key == m.Key && dm.ID == m.ID && len(dm.Headers) == len(m.Headers) {
				for k, v := range m.Headers {
					if got, ok := dm.Headers[k]; ok {
						assert.Equal(t, v, got, "%s: header %q altered", what, k)
					}
				}
			}
		}
	}
}

func TestGroupNameRule(t *testing.T) {
	c, _, err := openFake("groups", driver.Capabilities{Backend: "fake", Features: fakeFeatures})
	require.NoError(t, err)
	defer c.Close(context.Background())
	ctx := context.Background()
	for _, g := range []string{"", "a b", "a\tb", "a\x00", "\xff", strings.Repeat("g", mq.MaxGroupLen+1)} {
		_, err := c.NewConsumer(ctx, "t", mq.Group(g))
		assert.True(t, errors.Is(err, mq.ErrInvalidOption), "Group(%q): %v", g, err)
		assert.False(t, errors.Is(err, mq.ErrInvalidArgument), "Group(%q) has one code: %v", g, err)
		err = c.Declare(ctx, "t", "ok", g)
		assert.True(t, errors.Is(err, mq.ErrInvalidArgument), "Declare group %q: %v", g, err)
	}
	for _, g := range []string{"billing", "GID_orders-2", "grüppe.v2", strings.Repeat("g", mq.MaxGroupLen)} {
		k, err := c.NewConsumer(ctx, "t", mq.Group(g))
		if assert.NoError(t, err, g) {
			_ = k.Close(ctx)
		}
		assert.NoError(t, c.Declare(ctx, "t", g))
	}
	_, err = c.NewConsumer(ctx, "t", mq.DeadLetterTopic("a b"))
	assert.True(t, errors.Is(err, mq.ErrInvalidOption), "DeadLetterTopic with a space: %v", err)
}
