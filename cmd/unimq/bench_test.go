package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkBench fails unless rep describes count messages with positive rates
// and ordered, positive latency percentiles.
func checkBench(t *testing.T, rep benchReport, count int) {
	t.Helper()
	l := rep.LatencyMS
	if rep.Count != count || rep.Publish.Messages != count || rep.Consume.Messages != count ||
		rep.Publish.MsgsPerSec <= 0 || rep.Consume.MsgsPerSec <= 0 ||
		!(0 < l.P50 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max) ||
		l.Max > rep.Consume.Seconds*1000 {
		t.Fatalf("insane report: %+v", rep)
	}
}

func TestBenchMemory(t *testing.T) {
	u := memURL(t)
	for _, c := range []struct {
		count int // 0: --duration
		args  []string
	}{
		{3000, []string{"bench", "b", "--count", "3000", "--publishers", "3", "--json"}},
		{2000, []string{"bench", "b", "--count", "2000", "--async", "--concurrency", "2", "--size", "1000", "--json"}},
		{0, []string{"bench", "b", "--duration", "200ms", "--publishers", "2", "--json"}},
	} {
		r := mustRun(t, u, "", c.args...)
		var rep benchReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v: %q", err, r.stdout)
		}
		want := c.count
		if want == 0 {
			want = rep.Count
			if want < 1 || rep.Publish.Seconds < 0.2 {
				t.Fatalf("--duration 200ms: %+v", rep)
			}
		}
		checkBench(t, rep, want)
		t.Log(strings.TrimSpace(r.stdout))
	}
	r := mustRun(t, u, "", "bench", "b", "--count", "500")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 || strings.Fields(lines[2])[0] != "publish" || strings.Fields(lines[2])[1] != "500" ||
		strings.Fields(lines[3])[0] != "consume" || !strings.HasPrefix(lines[4], "latency ms  p50=") {
		t.Fatalf("table: %q", r.stdout)
	}
}
