package brokertest

import "testing"

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
