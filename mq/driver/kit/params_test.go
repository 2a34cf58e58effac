package kit

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/unimq/unimq/mq/driver"
)

func TestParamsIntRange(t *testing.T) {
	cases := []struct {
		v       string
		min     int
		max     int
		want    int
		refused bool
	}{
		{"7", 1, 10, 7, false},
		{"1", 1, 10, 1, false},
		{"10", 1, 10, 10, false},
		{"0", 1, 10, 0, true},
		{"11", 1, 10, 0, true},
		{"4294967297", 1, 1<<31 - 1, 0, true}, // would wrap to 1 as an int32
		{"9223372036854775808", 0, 1<<63 - 1, 0, true},
		{"-1", 0, 10, 0, true},
		{"+3", 0, 10, 0, true},
		{"3 ", 0, 10, 0, true},
		{"0x10", 0, 100, 0, true},
		{"", 0, 10, 0, true},
	}
	for _, c := range cases {
		p := NewParams("test", url.Values{"n": {c.v}})
		got := p.IntRange("n", 0, c.min, c.max)
		err := p.Err()
		if c.refused {
			if err == nil || !errors.Is(err, driver.ErrInvalidOption) {
				t.Errorf("IntRange(%q, %d..%d) = %d, err %v: want ErrInvalidOption", c.v, c.min, c.max, got, err)
			} else if !strings.Contains(err.Error(), "from") {
				t.Errorf("IntRange(%q): error %q does not name the range", c.v, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("IntRange(%q, %d..%d) = %d, %v; want %d", c.v, c.min, c.max, got, err, c.want)
		}
	}
	p := NewParams("test", url.Values{})
	if got := p.IntRange("n", 5, 1, 10); got != 5 || p.Err() != nil {
		t.Errorf("absent: %d, %v", got, p.Err())
	}
	p = NewParams("test", url.Values{"n": {"99999999999999999999"}})
	if p.Int("n", 3); p.Err() == nil {
		t.Error("Int accepted a value that overflows int")
	}
}
