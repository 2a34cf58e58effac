package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq/driver"
)

// blockingFilter is a driver.Filter whose Match blocks until released, as
// a slow pattern match on a long producer-controlled tag would.
type blockingFilter struct {
	entered chan struct{} // receives once per Match call
	release chan struct{} // closed to let every Match return
}

func (f *blockingFilter) Match(tag string) bool {
	f.entered <- struct{}{}
	<-f.release
	return tag == "wanted"
}
func (f *blockingFilter) Tags() []string     { return []string{"wanted"} }
func (f *blockingFilter) Patterns() []string { return nil }
func (f *blockingFilter) String() string     { return "wanted" }

// A subscription whose filter is slow holds up nobody: while its Match
// runs, a publish to the same topic (whose lock the filter once ran under)
// and another group's Receive complete; the filtered-out message is
// settled for the group once Match returns.
func TestSlowFilterDoesNotHoldTheTopic(t *testing.T) {
	c := openConn(t, "memory://internal-slow-filter?partitions=1")
	ctx := context.Background()
	f := &blockingFilter{entered: make(chan struct{}, 16), release: make(chan struct{})}
	slow, err := c.Subscribe(ctx, &driver.SubscriptionConfig{Topic: "t", Group: "slow", Filter: f})
	require.NoError(t, err)
	other, err := c.Subscribe(ctx, &driver.SubscriptionConfig{Topic: "t", Group: "other"})
	require.NoError(t, err)

	require.NoError(t, c.Send(ctx, "t", []*driver.Message{{Tag: "unwanted", Partition: -1, Body: []byte("1")}}, driver.SendOptions{}))
	got := make(chan []*driver.Message, 1)
	go func() {
		ms, _ := slow.Receive(ctx, 10) // ends once released
		got <- ms
	}()
	<-f.entered // Match runs and blocks

	// The deadline bounds a hang, not a speed: the publish and the other
	// group's receive complete at once unless the slow filter holds the
	// topic.
	done := make(chan error, 1)
	go func() {
		err := c.Send(ctx, "t", []*driver.Message{{Tag: "wanted", Partition: -1, Body: []byte("2")}}, driver.SendOptions{})
		if err == nil {
			var ms []*driver.Message
			if ms, err = other.Receive(ctx, 10); err == nil && len(ms) != 2 {
				err = fmt.Errorf("other group got %d messages, want 2", len(ms))
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		close(f.release)
		t.Fatal("an unrelated publish waited for the slow filter")
	}

	close(f.release)
	ms := <-got
	require.Len(t, ms, 1)
	require.Equal(t, "2", string(ms[0].Body), "the filter settled 1 and delivered 2")
	require.Equal(t, 1, c.b.Backlog("t", "slow"), "the filtered-out message is settled, the delivered one is not yet")
}
