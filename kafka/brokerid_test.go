package kafka

import "testing"

func TestBrokerIDFormat(t *testing.T) {
	for _, c := range []struct {
		topic string
		p     int32
		off   int64
		want  string
	}{
		{"orders", 2, 12345678901, "orders/2@12345678901"},
		{"t", 0, 0, "t/0@0"},
		{"t", 1, -1, ""},
	} {
		if got := brokerID(c.topic, c.p, c.off); got != c.want {
			t.Errorf("brokerID(%q, %d, %d) = %q, want %q", c.topic, c.p, c.off, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = brokerID("orders", 2, 12345678901) }); n > 1 {
		t.Errorf("brokerID allocates %v times, want 1", n)
	}
}
