package mqtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

func TestCheckErrorRefusesEachFlaw(t *testing.T) {
	good := driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "send", "broker 1 down"))
	if err := CheckError(good, "kafka", "publish", mq.ErrUnavailable); err != nil {
		t.Fatalf("a well-formed error refused: %v", err)
	}
	inner := &mq.Error{Code: driver.CodeUnavailable, Op: "publish", Msg: "x"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, "nil error"},
		{"plain error", errors.New("unimq kafka publish: unavailable: x"), "not an *mq.Error"},
		{"other code", good, "want one matching"},
		{"no backend", &mq.Error{Code: driver.CodeUnavailable, Op: "publish", Msg: "x"}, "Backend"},
		{"other op", driver.Stamp("kafka", "close", inner), "Op"},
		{"wrapped twice", &mq.Error{Code: driver.CodeUnavailable, Op: "publish", Backend: "kafka",
			Err: fmt.Errorf("send: %w", inner)}, "wrapped twice"},
		{"prefix repeated", driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "", "%s", "send: "+inner.Error())), "repeats the \"unimq\""},
		{"backend repeated", driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "", "kafka: publish: down")), "repeats the backend"},
		{"op repeated", driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "", "publish: down")), "repeats the op"},
		{"code repeated", driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "", "unavailable: down")), "repeats the code"},
		{"secret", driver.Stamp("kafka", "publish", driver.Errorf(driver.CodeUnavailable, "", "user:hunter2@host")), "secret"},
	} {
		want := mq.ErrUnavailable
		if tc.name == "other code" {
			want = mq.ErrClosed
		}
		err := CheckError(tc.err, "kafka", "publish", want, "hunter2")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckError(%v) = %v, want a complaint with %q", tc.name, tc.err, err, tc.want)
		}
	}
}
