package rocketmq

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
)

func testConn(t *testing.T, rawURL string) *conn {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	cfg, err := parseURL(u)
	require.NoError(t, err)
	return &conn{cfg: cfg}
}

// Group G of topic T is the RocketMQ group "G|T": one group on two topics
// gives two RocketMQ groups; WithExactGroup (or group_names=exact) keeps G.
func TestRocketGroupNames(t *testing.T) {
	c := testConn(t, "rocketmq://127.0.0.1:9876")
	name := func(cfg *driver.SubscriptionConfig) string {
		t.Helper()
		g, _, err := c.rocketGroup(cfg)
		require.NoError(t, err)
		return g
	}
	require.Equal(t, "billing|orders", name(&driver.SubscriptionConfig{Topic: "orders", Group: "billing"}))
	require.Equal(t, "billing|refunds", name(&driver.SubscriptionConfig{Topic: "refunds", Group: "billing"}))
	require.Equal(t, "default|orders", name(&driver.SubscriptionConfig{Topic: "orders", Group: "default"}))
	require.Equal(t, "default|orders", name(&driver.SubscriptionConfig{Topic: "orders", Broadcast: true}))
	require.Equal(t, "svc_v1|orders", name(&driver.SubscriptionConfig{Topic: "orders", Group: "svc.v1"}))
	require.Equal(t, "billing", name(&driver.SubscriptionConfig{Topic: "orders", Group: "billing", Options: []driver.Option{exactGroupOpt{}}}))
	require.Equal(t, "billing", name(&driver.SubscriptionConfig{Topic: "orders", Group: "billing", Options: []driver.Option{exactGroupOpt{}}}))
	exact := testConn(t, "rocketmq://127.0.0.1:9876?group_names=exact")
	g, _, err := exact.rocketGroup(&driver.SubscriptionConfig{Topic: "orders", Group: "billing"})
	require.NoError(t, err)
	require.Equal(t, "billing", g)

	// Too long for "%RETRY%<group>" (127 bytes): cut, with a hash of the whole.
	long1 := name(&driver.SubscriptionConfig{Topic: strings.Repeat("t", 127), Group: strings.Repeat("g", 50)})
	long2 := name(&driver.SubscriptionConfig{Topic: strings.Repeat("t", 126) + "u", Group: strings.Repeat("g", 50)})
	require.Len(t, "%RETRY%"+long1, 127)
	require.NotEqual(t, long1, long2)
	require.Regexp(t, `^g{50}\|t+\|[0-9a-f]{16}$`, long1)

	for _, bad := range []string{"a|b", "a%b", "a b", "ü"} {
		_, _, err := c.rocketGroup(&driver.SubscriptionConfig{Topic: "orders", Group: bad})
		require.Truef(t, errors.Is(err, driver.ErrInvalidArgument), "group %q: %v", bad, err)
	}
	_, _, err = c.rocketGroup(&driver.SubscriptionConfig{Topic: "orders", Group: strings.Repeat("g", 121), Options: []driver.Option{exactGroupOpt{}}})
	require.ErrorIs(t, err, driver.ErrInvalidArgument)
}

// An exact group consumes one topic per process: a second topic is refused
// while the first subscription is open, allowed after it closed.
func TestClaimGroupRefusesASecondTopic(t *testing.T) {
	c := testConn(t, "rocketmq://127.0.0.1:9876")
	rel1, err := c.claimGroup("claim-test", "a", true)
	require.NoError(t, err)
	rel2, err := c.claimGroup("claim-test", "a", true) // a second member, same topic
	require.NoError(t, err)
	_, err = c.claimGroup("claim-test", "b", true)
	require.ErrorIs(t, err, driver.ErrInvalidArgument)
	require.Contains(t, err.Error(), `already consumes topic "a"`)
	rel1()
	rel1() // idempotent
	_, err = c.claimGroup("claim-test", "b", true)
	require.ErrorIs(t, err, driver.ErrInvalidArgument, "one member of topic a is still open")
	rel2()
	rel3, err := c.claimGroup("claim-test", "b", true)
	require.NoError(t, err)
	rel3()
	// Another name server is another cluster.
	other := testConn(t, "rocketmq://127.0.0.2:9876")
	relA, err := c.claimGroup("claim-test", "a", true)
	require.NoError(t, err)
	relB, err := other.claimGroup("claim-test", "b", true)
	require.NoError(t, err)
	relA()
	relB()
}

// allocated matches the client's AllocateByAveragely.
func TestAllocatedShare(t *testing.T) {
	cases := []struct{ n, m, i, want int }{
		{4, 1, 0, 4}, {4, 2, 0, 2}, {4, 2, 1, 2}, {4, 3, 0, 2}, {4, 3, 1, 1}, {4, 3, 2, 1},
		{4, 4, 3, 1}, {4, 5, 3, 1}, {4, 5, 4, 0}, {1, 3, 0, 1}, {1, 3, 1, 0}, {1, 3, 2, 0}, {5, 2, 0, 3}, {5, 2, 1, 2},
	}
	for _, c := range cases {
		require.Equalf(t, c.want, allocated(c.n, c.m, c.i), "%d queues, %d members, index %d", c.n, c.m, c.i)
	}
}

func TestGroupNamesParameter(t *testing.T) {
	require.False(t, testConn(t, "rocketmq://127.0.0.1:9876").cfg.exactGroups)
	require.True(t, testConn(t, "rocketmq://127.0.0.1:9876?group_names=exact").cfg.exactGroups)
	require.False(t, testConn(t, "rocketmq://127.0.0.1:9876?group_names=topic").cfg.exactGroups)
	u, _ := url.Parse("rocketmq://127.0.0.1:9876?group_names=broker")
	_, err := parseURL(u)
	require.ErrorIs(t, err, driver.ErrInvalidOption)
}
