package mq_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/mq"
)

// When applies its options only if its condition holds when the client
// opens; the condition is asked once.
func TestWhenAppliesOptionsOnlyIfTheConditionHolds(t *testing.T) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		asked, hooked := 0, 0
		c := open(t, mq.When(func() bool { asked++; return on },
			mq.WithHook(func(context.Context, mq.Event) { hooked++ })))
		for i := 0; i < 3; i++ {
			require.NoError(t, c.Publish(ctx, "when", &mq.Message{Body: []byte("x")}))
		}
		assert.Equal(t, 1, asked, "condition asked once, at Open (on=%v)", on)
		if on {
			assert.Equal(t, 3, hooked, "hook installed when the condition holds")
		} else {
			assert.Zero(t, hooked, "hook not installed when the condition does not hold")
		}
	}
}

// A nil condition, a zero option or an option that does not apply to Open
// is refused whatever the condition says.
func TestWhenRefusesBadOptions(t *testing.T) {
	no := func() bool { return false }
	for name, o := range map[string]mq.Option{
		"nil condition":  mq.When(nil, mq.WithHook(func(context.Context, mq.Event) {})),
		"zero option":    mq.When(no, mq.Option{}),
		"subscribe only": mq.When(no, mq.Group("g")),
		"inner nil hook": mq.When(func() bool { return true }, mq.WithHook(nil)),
	} {
		_, err := mq.Open(context.Background(), "memory://when-bad", o)
		require.ErrorIs(t, err, mq.ErrInvalidOption, name)
	}
}
