package brokertest

import (
	"testing"
	"time"
)

// A test that calls RaceFree runs without the race detector: under -race in
// a child process (whose failure would fail this test), otherwise here.
func TestRaceFreeRunsWithoutTheRaceDetector(t *testing.T) {
	t.Run("body", func(t *testing.T) {
		if RaceFree(t) {
			return
		}
		if RaceEnabled {
			t.Fatal("the test body ran with the race detector")
		}
	})
}

func TestRunPatternSelectsOneTest(t *testing.T) {
	for name, want := range map[string]string{
		"TestX":                  "^TestX$",
		"TestBridgePairs/a-to-b": "^TestBridgePairs$/^a-to-b$",
		"TestY/sub.case(1)":      `^TestY$/^sub\.case\(1\)$`,
	} {
		if got := runPattern(name); got != want {
			t.Errorf("runPattern(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestChildLimitFollowsTheTestTimeout(t *testing.T) {
	d := childLimit(t)
	dl, ok := t.Deadline()
	if !ok || time.Until(dl)-time.Minute <= 5*time.Minute {
		if d != 5*time.Minute {
			t.Fatalf("childLimit = %v, want 5m (test deadline %v, %v)", d, dl, ok)
		}
		return
	}
	if want := time.Until(dl) - time.Minute; d > want+time.Second || d < want-5*time.Second {
		t.Fatalf("childLimit = %v, want about %v (what is left of -timeout, less a minute)", d, want)
	}
}
