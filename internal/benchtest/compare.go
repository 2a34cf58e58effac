package benchtest

import (
	"testing"
	"time"
)

// Side is one contender of a Compare: Run handles n messages and returns
// how long they took.
type Side struct {
	Name string
	Run  func(n int) (time.Duration, error)
}

// Compare runs the sides in Rounds rounds of b.N/Rounds messages each; the
// side going first rotates from round to round, so that load drift on a
// shared machine hits every side alike. It reports per side the median
// rate (<name>-msg/s), heap allocations, bytes and process CPU time per
// message (<name>-allocs/msg, <name>-B/msg, <name>-cpu-ns/msg: everything
// the round did except what it ran through Setup), and for every other
// side the median of the per-round ratios ref/<name> (e.g. unimq/raw,
// unimq/watermill), the figures targets are stated in.
func Compare(b *testing.B, ref string, all ...Side) {
	b.Helper()
	n := max(b.N/Rounds, 1)
	figs := make([]sides, len(all))
	r0 := -1
	for i, s := range all {
		if s.Name == ref {
			r0 = i
		}
	}
	if r0 < 0 {
		b.Fatalf("benchtest.Compare: no side named %q", ref)
	}
	ratios := make([][]float64, len(all))
	for r := 0; r < Rounds; r++ {
		for k := range all {
			i := (r + k) % len(all)
			if err := figs[i].run(all[i].Run, n); err != nil {
				b.Fatalf("%s, round %d: %v", all[i].Name, r+1, err)
			}
		}
		for i := range all {
			if i != r0 {
				ratios[i] = append(ratios[i], figs[r0].rates[r]/figs[i].rates[r])
			}
		}
	}
	for i, s := range all {
		b.ReportMetric(Median(figs[i].rates), s.Name+"-msg/s")
	}
	for i, s := range all {
		if i != r0 {
			b.ReportMetric(Median(ratios[i]), ref+"/"+s.Name)
		}
	}
	for i, s := range all {
		b.ReportMetric(Median(figs[i].allocs), s.Name+"-allocs/msg")
		b.ReportMetric(Median(figs[i].bytes), s.Name+"-B/msg")
		b.ReportMetric(Median(figs[i].cpu), s.Name+"-cpu-ns/msg")
	}
}
