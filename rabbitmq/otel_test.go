package rabbitmq_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/otelmq/otelmqtest"
)

// TestOpenTelemetry runs otelmq's shared test; a plain amqp091 client reads
// the traceparent header from a queue of its own bound to the exchange.
func TestOpenTelemetry(t *testing.T) {
	otelmqtest.Run(t, otelmqtest.Harness{
		Backend: "rabbitmq",
		Open: func(t *testing.T, opts ...mq.Option) *mq.Client {
			return open(t, "", opts...)
		},
		Topic: func(*testing.T) string { return unique("otel") },
		Raw: func(ctx context.Context, t *testing.T, _ *mq.Client, topic string) func(*mq.Message) map[string]string {
			ch := rawChannel(t)
			q, err := ch.QueueDeclare("", false, true, true, false, nil)
			require.NoError(t, err)
			require.NoError(t, ch.QueueBind(q.Name, "#", topic, false, nil))
			return func(m *mq.Message) map[string]string {
				for {
					d, ok, err := ch.Get(q.Name, true)
					require.NoError(t, err)
					if ok && d.MessageId == m.ID {
						h := map[string]string{}
						for k, v := range d.Headers {
							if s, isString := v.(string); isString {
								h[k] = s
							}
						}
						return h
					}
					if !ok {
						select {
						case <-ctx.Done():
							t.Fatalf("raw get: %s not in queue %s", m.ID, q.Name)
						case <-time.After(10 * time.Millisecond): // polling the queue, with ctx's deadline
						}
					}
				}
			}
		},
	})
}
