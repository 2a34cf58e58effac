package kafka

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// FuzzKafkaURL builds kafka://[user:secret@]hosts?query&sasl_password=secret
// and checks the parser's oracle: no panic; whether it succeeds and what
// its error says do not depend on the secret's value (an error that echoed
// it would differ when the secret is swapped for another of the same
// length); the redacted form (String) of a URL that parses does not
// depend on it either;
// errors hold no control characters and are CodeInvalidOption.
func FuzzKafkaURL(f *testing.F) {
	f.Add("127.0.0.1:9092", "", "hunter22")
	f.Add("h1:9092,h2", "", "hunter22")
	f.Add("h1:9092,h2:", "sasl_user=u", "hunter22")
	f.Add("h1", "sasl_user=u;sasl_password=p", "hunter22")
	f.Add("h1", "partitions=4294967297", "hunter22")
	f.Add("h1", "replication=70000&tls_ca=/dev/null", "s3cr3t!!")
	f.Add("h1", "bogus=1\nx", "s3cr3t!!")
	f.Add("[::1]:9092", "sasl_mechanism=SCRAM-SHA-512&sasl_user=u", "pa%ss#word")
	f.Fuzz(func(t *testing.T, hosts, query, secret string) {
		if len(secret) < 4 {
			return
		}
		other := strings.Repeat("Q", len(secret))
		if strings.Contains(hosts+query, secret) || strings.Contains(hosts+query, other) {
			return // the secret also sits in a part errors may name
		}
		build := func(s string, inUser bool) string {
			q := query
			if q != "" {
				q += "&"
			}
			q += "sasl_password=" + url.QueryEscape(s)
			user := ""
			if inUser {
				user = url.UserPassword("u", s).String() + "@"
			}
			return "kafka://" + user + hosts + "?" + q
		}
		for _, inUser := range []bool{false, true} {
			a, b := build(secret, inUser), build(other, inUser)
			ua, errA := url.Parse(a)
			ub, errB := url.Parse(b)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("url.Parse depends on the secret: %v / %v", errA, errB)
			}
			if errA != nil {
				continue // mq.Open refuses it before the adapter
			}
			_, ea := parseURL(context.Background(), ua, nil)
			_, eb := parseURL(context.Background(), ub, nil)
			if (ea == nil) != (eb == nil) {
				t.Fatalf("parse outcome depends on the secret: %v / %v", ea, eb)
			}
			if ea != nil {
				if ea.Error() != eb.Error() {
					t.Fatalf("error depends on the secret (echoes it?): %q / %q", ea.Error(), eb.Error())
				}
				if strings.ContainsAny(ea.Error(), "\x00\n\r\t") {
					t.Fatalf("error holds control characters: %q", ea.Error())
				}
				if driver.CodeOf(ea) != driver.CodeInvalidOption {
					t.Fatalf("error code %v, want CodeInvalidOption: %v", driver.CodeOf(ea), ea)
				}
			}
			// String() (kit.Redact) exists for URLs that open. Its
			// output must not depend on the secret: a substring check
			// would also match a secret such as "xxxx" or "sasl" that
			// happens to sit in the redacted form's fixed text.
			if ra, rb := kit.Redact(ua), kit.Redact(ub); ea == nil && ra != rb {
				t.Fatalf("redacted URL depends on the secret: %q / %q", ra, rb)
			}
		}
	})
}
