package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

func TestBadURLs(t *testing.T) {
	for _, u := range []string{
		"memory://x?bogus=1",
		"memory://x?partitions=abc",
		"memory://x?partitions=0",
		"memory://x?partitions=-1",
		"memory://x?maxbacklog=0",
		"memory://x?full=sometimes",
		"memory://x?maxsize=0",
		"memory://x?copybodies=maybe",
		"memory://x?txcheck=fast",
		"memory://x?txcheck=0s",
		"memory://x?txchecks=0",
		"memory://x?partitions=1&partitions=2",
		"memory://user:secret@x",
		"memory:opaque",
		"memory://x#frag",
		"memory://x?partitions=288230376151711744", // 1<<58: panicked on the first publish
		"memory://x?partitions=1025",
		"memory://x?maxbacklog=100000001",
		"memory://x?maxsize=1073741825",
		"memory://x?maxsize=0",
		"memory://x?txchecks=1000001",
		"memory://x?txcheck=2h",
		"memory://x?partitions=8;maxsize=1", // url.Query drops such pairs silently
		"memory://x?partitions=%zz",
		"memory://x?=4",
		"memory://x?partitions",
		"memory:/x",
		"memory://x?like=activemq",
		"memory://x?like=Kafka",
	} {
		t.Run(u, func(t *testing.T) {
			c, err := mq.Open(context.Background(), u)
			require.ErrorIs(t, err, mq.ErrInvalidOption)
			require.Nil(t, c)
			require.NotContains(t, err.Error(), "secret")
		})
	}
	require.Nil(t, memory.Lookup("x"), "a failed Open must not leave a broker behind")
}

func TestURLParamsAndCapabilities(t *testing.T) {
	u := uniqueURL(t, "partitions=2&maxbacklog=10&full=fail&maxsize=100&txcheck=10ms&txchecks=3")
	c := open(t, u)
	caps := c.Capabilities()
	require.Equal(t, "memory", caps.Backend)
	require.Equal(t, 100, caps.MaxMessageSize)
	for b := mq.Capability(1); b <= mq.CapRedeliveryDelay; b <<= 1 {
		require.True(t, caps.Has(b), "missing %s", b)
	}
	b := brokerOf(t, c)
	require.Equal(t, memory.Config{Partitions: 2, MaxBacklog: 10, Full: memory.Fail, MaxMessageSize: 100}, b.Config())

	// Same broker, no params: fine. Conflicting shape: refused.
	open(t, "memory://"+b.Name())
	open(t, "memory://"+b.Name()+"?partitions=2&txcheck=1s")
	_, err := mq.Open(context.Background(), "memory://"+b.Name()+"?partitions=3")
	require.ErrorIs(t, err, mq.ErrInvalidOption)
	require.Contains(t, err.Error(), "partitions=2")
}

func TestNamedBrokersAreIsolated(t *testing.T) {
	a := open(t, uniqueURL(t, ""))
	a2 := open(t, "memory://"+brokerOf(t, a).Name())
	b := open(t, uniqueURL(t, ""))
	require.Same(t, brokerOf(t, a), brokerOf(t, a2))
	require.NotSame(t, brokerOf(t, a), brokerOf(t, b))

	ctx := ctxT(t)
	ka, err := a2.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	kb, err := b.NewConsumer(ctx, "t", mq.Group("g"))
	require.NoError(t, err)
	pub(t, a, "t", &mq.Message{Body: []byte("for a")})
	require.Equal(t, []string{"for a"}, bodies(recv(t, ka, 1)))
	quiet(t, kb, 100*quietUnit)
}

func TestNameFromTestName(t *testing.T) {
	t.Run("sub/test", func(t *testing.T) {
		c := open(t, "memory://"+t.Name())
		require.Equal(t, "TestNameFromTestName/sub/test", brokerOf(t, c).Name())
		c2 := open(t, "memory://"+t.Name()+"/")
		require.Same(t, brokerOf(t, c), brokerOf(t, c2))
	})
}

func TestDefaultBroker(t *testing.T) {
	c1 := open(t, "memory://")
	c2 := open(t, "memory:///")
	b := brokerOf(t, c1)
	require.Equal(t, "", b.Name())
	require.Same(t, b, brokerOf(t, c2))
	require.Same(t, b, memory.Lookup(""))
}

// The largest values each parameter takes open a broker that works.
func TestURLMaxima(t *testing.T) {
	c := open(t, uniqueURL(t, "partitions=1024&maxbacklog=100000000&maxsize=1073741824&txcheck=1h&txchecks=1000000"))
	pub(t, c, "t", &mq.Message{Key: "k", Body: []byte("1")})
	require.Equal(t, 1024, brokerOf(t, c).Config().Partitions)
	require.Equal(t, 1<<30, c.Capabilities().MaxMessageSize)
}

// NewBroker applies the same bounds as the URL.
func TestNewBrokerBounds(t *testing.T) {
	for _, cfg := range []memory.Config{
		{Partitions: 1 << 58}, {Partitions: -1}, {MaxBacklog: memory.MaxMaxBacklog + 1},
		{MaxMessageSize: memory.MaxMaxMessageSize + 1}, {Full: memory.FullMode(7)}, {Like: "activemq"},
	} {
		_, err := memory.NewBroker(t.Name(), cfg)
		require.ErrorIs(t, err, mq.ErrInvalidOption, "%+v", cfg)
	}
	require.Nil(t, memory.Lookup(t.Name()))
}
