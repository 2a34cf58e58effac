package mqtest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/unimq/unimq/mq"
)

// CheckError reports (nil when all hold) whether err is the error a user of
// backend should get from op, matching want:
//
//   - err itself is an *mq.Error (errors.As finds the stamped one) with
//     Backend and Op set, and matches want under errors.Is;
//   - it reads "unimq <backend> <op>: <code>" then ": <detail>" or nothing
//     (backend "": "unimq <op>: <code>...", for an Open whose URL names no
//     registered backend);
//   - its chain holds no second *mq.Error (it was wrapped once);
//   - the detail says nothing twice: no second "unimq ", no "<backend>: ",
//     and neither the op nor the code again at its start;
//   - none of secrets appears in it.
//
// Adapters can use it in their own tests of adapter-specific errors.
func CheckError(err error, backend, op string, want error, secrets ...string) error {
	if err == nil {
		return fmt.Errorf("got nil error, want one matching %v", want)
	}
	e, ok := err.(*mq.Error)
	if !ok {
		return fmt.Errorf("%v: a %T, not an *mq.Error", err, err)
	}
	if !errors.Is(err, want) {
		return fmt.Errorf("%v: code %v, want one matching %v", err, e.Code, want)
	}
	if e.Backend != backend || e.Op != op {
		return fmt.Errorf("%v: Backend %q, Op %q; want %q, %q", err, e.Backend, e.Op, backend, op)
	}
	s := err.Error()
	prefix := "unimq " + op + ": " + e.Code.String() // Open of a scheme not registered: no backend
	if backend != "" {
		prefix = "unimq " + backend + " " + op + ": " + e.Code.String()
	}
	if !strings.HasPrefix(s, prefix) {
		return fmt.Errorf("%q does not start with %q", s, prefix)
	}
	detail := strings.TrimPrefix(s[len(prefix):], ": ")
	if len(s) > len(prefix) && (!strings.HasPrefix(s[len(prefix):], ": ") || detail == "") {
		return fmt.Errorf("%q: want \"<prefix>: <detail>\" after %q", s, prefix)
	}
	for c := errors.Unwrap(err); c != nil; c = errors.Unwrap(c) {
		if _, ok := c.(*mq.Error); ok {
			return fmt.Errorf("%q: wrapped twice (its chain holds another *mq.Error)", s)
		}
	}
	switch {
	case strings.Contains(detail, "unimq "):
		return fmt.Errorf("%q: the detail repeats the \"unimq\" prefix", s)
	case backend != "" && (strings.HasPrefix(detail, backend+": ") || strings.Contains(detail, ": "+backend+": ")):
		return fmt.Errorf("%q: the detail repeats the backend %q", s, backend)
	case strings.HasPrefix(detail, op+": "):
		return fmt.Errorf("%q: the detail repeats the op %q", s, op)
	case strings.HasPrefix(detail, e.Code.String()+":") || detail == e.Code.String():
		return fmt.Errorf("%q: the detail repeats the code %q", s, e.Code)
	}
	for _, x := range secrets {
		if x != "" && strings.Contains(s, x) {
			return fmt.Errorf("%q holds the secret %q", s, x)
		}
	}
	return nil
}
