package mq_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/unimq/unimq/mq"
)

func TestIsNoRetry(t *testing.T) {
	base := errors.New("poison")
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", base, false},
		{"NoRetry", mq.NoRetry(base), true},
		{"NoRetry wrapped by the caller", fmt.Errorf("handling order 7: %w", mq.NoRetry(base)), true},
		{"NoRetry of nil is nil", mq.NoRetry(nil), false},
		{"coded error", mq.ErrUnavailable, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := mq.IsNoRetry(c.err); got != c.want {
				t.Fatalf("IsNoRetry(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
	if !errors.Is(mq.NoRetry(base), base) {
		t.Fatal("NoRetry hides the error it wraps from errors.Is")
	}
}
