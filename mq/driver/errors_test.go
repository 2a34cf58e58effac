package driver

import (
	"context"
	"errors"
	"io"
	"testing"
)

func TestStampSaysEachThingOnce(t *testing.T) {
	cause := errors.New("kafka: client has run out of available brokers: kafka: dial refused")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"driver error, its op replaced", Errorf(CodeUnavailable, "send", "broker 1: %w", cause),
			"unimq kafka publish: unavailable: broker 1: client has run out of available brokers: dial refused"},
		{"plain error", io.EOF, "unimq kafka publish: unknown: EOF"},
		{"context error", context.Canceled, "unimq kafka publish: canceled: context canceled"},
		{"nested *Error folded", &Error{Code: CodeInvalidOption, Op: "subscribe", Msg: "option TagFilter",
			Err: Errorf(CodeInvalidArgument, "filter", "tag %q", "a b")},
			"unimq kafka publish: invalid option: option TagFilter: invalid argument: tag \"a b\""},
		{"*Error quoted by Errorf", Errorf(CodeUnavailable, "declare", "offsets of %q: %w", "g",
			&Error{Code: CodeUnavailable, Op: "x", Backend: "kafka", Msg: "down", Err: io.EOF}),
			"unimq kafka publish: unavailable: offsets of \"g\": down: EOF"},
	} {
		got := Stamp("kafka", "publish", tc.err)
		if got.Error() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
		n := 0
		for c := error(got); c != nil; c = errors.Unwrap(c) {
			if _, ok := c.(*Error); ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d *Error in the chain of %q, want 1", tc.name, n, got)
		}
		if tc.err != io.EOF && !errors.Is(got, tc.err) && CodeOf(tc.err) == CodeUnknown {
			t.Errorf("%s: the cause is lost", tc.name)
		}
	}
	if Stamp("kafka", "publish", nil) != nil {
		t.Error("Stamp of nil is not nil")
	}
	once := Stamp("kafka", "publish", io.EOF)
	if Stamp("kafka", "publish", once) != once {
		t.Error("a stamped error is stamped again")
	}
	if !errors.Is(Stamp("kafka", "publish", Errorf(CodeClosed, "", "x")), ErrClosed) {
		t.Error("the code is lost")
	}
}
