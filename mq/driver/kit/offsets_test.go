package kit

import "testing"

func TestOffsetTrackerCommitsOnlyContiguous(t *testing.T) {
	tr := NewOffsetTracker()
	for o := int64(10); o < 15; o++ {
		tr.Delivered(0, o)
	}
	if c, moved := tr.Done(0, 12); moved || c != 10 {
		t.Fatalf("done 12 first: commit %d moved %v, want 10 false", c, moved)
	}
	if c, moved := tr.Done(0, 10); !moved || c != 11 {
		t.Fatalf("done 10: commit %d, want 11", c)
	}
	if c, _ := tr.Done(0, 11); c != 13 {
		t.Fatalf("done 11 after 12: commit %d, want 13", c)
	}
	tr.Done(0, 14)
	if c, _ := tr.Done(0, 13); c != 15 {
		t.Fatalf("commit %d, want 15", c)
	}
	if _, moved := tr.Done(0, 99); moved {
		t.Fatal("an offset never delivered must not move the commit")
	}
	if tr.Committable(1) != -1 {
		t.Fatal("unknown partition")
	}
	tr.Reset(0)
	if tr.Committable(0) != -1 {
		t.Fatal("reset")
	}
}

func TestOffsetTrackerSkipsGaps(t *testing.T) {
	tr := NewOffsetTracker()
	tr.Delivered(3, 5)
	tr.Delivered(3, 7) // 6 is a transaction marker, never delivered
	tr.Done(3, 5)
	if c, _ := tr.Done(3, 7); c != 8 {
		t.Fatalf("commit %d, want 8", c)
	}
}

func TestOffsetTrackerGapsInAnyOrder(t *testing.T) {
	tr := NewOffsetTracker()
	for _, o := range []int64{1, 3, 5, 7, 9} {
		tr.Delivered(0, o)
	}
	var c int64
	for _, o := range []int64{9, 1, 3, 7, 5} {
		c, _ = tr.Done(0, o)
	}
	if c != 10 {
		t.Fatalf("commit %d after all done, want 10", c)
	}
	tr.Delivered(0, 12)
	if got := tr.Committable(0); got != 12 {
		t.Fatalf("after a gap with nothing pending the commit jumps to %d, want 12", got)
	}
}

func TestOffsetTrackerLongRunCompacts(t *testing.T) {
	tr := NewOffsetTracker()
	for o := int64(0); o < 5000; o++ {
		tr.Delivered(1, o)
	}
	for o := int64(4999); o >= 1; o-- {
		if c, moved := tr.Done(1, o); moved || c != 0 {
			t.Fatalf("commit moved to %d before offset 0 finished", c)
		}
	}
	if c, _ := tr.Done(1, 0); c != 5000 {
		t.Fatalf("commit %d, want 5000", c)
	}
	for o := int64(5000); o < 7000; o++ {
		tr.Delivered(1, o)
		if c, _ := tr.Done(1, o); c != o+1 {
			t.Fatalf("commit %d, want %d", c, o+1)
		}
	}
}
