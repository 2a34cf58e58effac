package kit

import (
	"net/url"
	"strings"
	"testing"
)

// An unknown parameter is named in the error only when its name is plain:
// a name with control characters, or the tail of a secret cut by an
// unescaped '&', is counted, not shown (found by FuzzKafkaURL: "%00").
func TestUnknownParamNamesShownOnlyWhenPlain(t *testing.T) {
	q, err := url.ParseQuery("sasl_password=abc&def%00=1&tail-of-secret%21=1&typo_name=1")
	if err != nil {
		t.Fatal(err)
	}
	p := NewParams("kafka", q)
	_ = p.String("sasl_password", "")
	err = p.Err()
	if err == nil {
		t.Fatal("unknown parameters accepted")
	}
	msg := err.Error()
	for _, bad := range []string{"\x00", "def", "tail-of-secret"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error shows %q: %q", bad, msg)
		}
	}
	if !strings.Contains(msg, "typo_name") || !strings.Contains(msg, "2 not shown") {
		t.Errorf("error should name typo_name and count the other two: %q", msg)
	}
}
