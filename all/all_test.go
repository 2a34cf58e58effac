package all_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/unimq/unimq/all"
	"github.com/unimq/unimq/mq"
)

// One import registers the scheme of every backend.
func TestRegistersEveryScheme(t *testing.T) {
	require.Equal(t, []string{"amqp", "amqps", "kafka", "memory", "rocketmq"}, mq.Schemes())
}

// A URL of any backend reaches that backend's opener: a malformed parameter
// is refused by the backend (ErrInvalidOption naming the parameter), not as
// an unknown scheme.
func TestEverySchemeReachesItsBackend(t *testing.T) {
	for _, u := range []string{
		"memory://?nosuch=1",
		"kafka://127.0.0.1:9092?nosuch=1",
		"amqp://guest:guest@127.0.0.1:5672/?nosuch=1",
		"amqps://guest:guest@127.0.0.1:5671/?nosuch=1",
		"rocketmq://127.0.0.1:9876?nosuch=1",
	} {
		_, err := mq.Open(context.Background(), u)
		require.Error(t, err, u)
		require.True(t, errors.Is(err, mq.ErrInvalidOption), "%s: %v", u, err)
		require.NotContains(t, err.Error(), "unknown URL scheme", u)
		require.Contains(t, err.Error(), "nosuch", u)
	}
}
