package driver

import "testing"

func TestSubscriptionConfigNeeds(t *testing.T) {
	for _, c := range []struct {
		cfg  SubscriptionConfig
		want Capability
	}{
		{SubscriptionConfig{}, 0},
		{SubscriptionConfig{Broadcast: true, Ordered: true}, CapBroadcast | CapOrdered},
		{SubscriptionConfig{Start: StartPosition{Kind: StartOldest}}, CapStartOldest},
		{SubscriptionConfig{Start: StartPosition{Kind: StartAtTime}}, CapStartTime},
	} {
		if got := c.cfg.Needs(); got != c.want {
			t.Errorf("%+v: Needs() = %v, want %v", c.cfg, got, c.want)
		}
	}
}
