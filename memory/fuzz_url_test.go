package memory_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/unimq/unimq/memory"
	"github.com/unimq/unimq/mq"
)

// FuzzURL opens "memory:"+s through mq.Open and checks the outcome against
// wantOpen, a reference of the URL rules written from the package
// documentation: no panic; a URL the reference accepts opens (with the
// maxsize it asks for) and closes; any other is refused with an error
// matching mq.ErrInvalidOption that never contains the URL's password.
// The starting corpus is in testdata/fuzz/FuzzURL; `go test -fuzz FuzzURL
// ./memory` searches further.
func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"//", "//name", "///", "//a/b/", "//x?partitions=2&maxsize=100", "//x?like=kafka", "//x?like=rabbitmq&maxsize=5",
		"//x?partitions=288230376151711744", "//x?partitions=1024", "//x?txcheck=1h&txchecks=1000000",
		"//x?full=fail&copybodies=true", "//x?partitions=8;maxsize=1", "//u:hunter2secret@x", "/x", "opaque",
		"//x#f", "//x?a=%zz", "//x?partitions=1&partitions=1", "//x?maxsize=0", "//x?txcheck=-1s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := "memory:" + s
		want, maxsize := wantOpen(raw)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := mq.Open(ctx, raw)
		if !want {
			require.Error(t, err, "%q opened; the reference refuses it", raw)
			require.ErrorIs(t, err, mq.ErrInvalidOption, "%q", raw)
			if u, perr := url.Parse(raw); perr == nil && u.User != nil {
				if pw, ok := u.User.Password(); ok && len(pw) >= 8 {
					require.NotContains(t, err.Error(), pw, "the error echoes the password")
				}
			}
			return
		}
		require.NoError(t, err, "%q was refused; the reference accepts it", raw)
		require.Equal(t, maxsize, c.Capabilities().MaxMessageSize, "%q", raw)
		require.NoError(t, c.Close(ctx))
	})
}

// wantOpen is the reference: whether raw is a well-formed memory URL, and
// the maxsize its broker then has.
func wantOpen(raw string) (bool, int) {
	// mq.Open's rules for every backend's URL (mq/urlrules.go) come first:
	// scheme://, valid UTF-8, no '#', no '@' (memory takes no user), no
	// empty port or empty host in a host list.
	if !strings.HasPrefix(raw, "memory://") || !utf8.ValidString(raw) || strings.ContainsAny(raw, "#@") {
		return false, 0
	}
	if pu, err := url.Parse(raw); err == nil {
		h := pu.Host
		for _, part := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
			if strings.HasSuffix(part, ":") {
				return false, 0
			}
		}
		if strings.HasSuffix(h, ",") || strings.HasSuffix(h, ";") || strings.Contains(h, ",,") || strings.Contains(h, ";;") {
			return false, 0
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != memory.Scheme || u.Opaque != "" || (u.OmitHost && u.Path != "") ||
		u.User != nil || u.Fragment != "" || u.RawFragment != "" {
		return false, 0
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return false, 0
	}
	intIn := func(v string, max int) bool {
		n, err := strconv.Atoi(v)
		return err == nil && n >= 1 && n <= max
	}
	sizes := map[string]int{"": memory.DefaultMaxMessageSize, "kafka": 1000000, "rabbitmq": 16 << 20, "rocketmq": 4 << 20}
	maxsize := 0
	like := ""
	for k, vs := range q {
		if len(vs) != 1 {
			return false, 0
		}
		v := vs[0]
		ok := false
		switch k {
		case "like":
			_, ok = sizes[v]
			ok = ok && v != ""
			like = v
		case "partitions":
			ok = intIn(v, 1024)
		case "maxbacklog":
			ok = intIn(v, 100_000_000)
		case "maxsize":
			ok = intIn(v, 1<<30)
			maxsize, _ = strconv.Atoi(v)
		case "full":
			ok = v == "block" || v == "fail"
		case "copybodies":
			_, err := strconv.ParseBool(v)
			ok = err == nil
		case "txcheck":
			d, err := time.ParseDuration(v)
			ok = err == nil && d > 0 && d <= time.Hour
		case "txchecks":
			ok = intIn(v, 1_000_000)
		}
		if !ok {
			return false, 0
		}
	}
	if maxsize == 0 {
		maxsize = sizes[like]
	}
	return true, maxsize
}
