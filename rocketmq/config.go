package rocketmq

import (
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// config is what the URL and the adapter options of Open say.
type config struct {
	nameServers  []string
	group        string // producer group
	retries      int
	creds        primitive.Credentials
	namespace    string
	instance     string // prefix of the client instance names
	sendTimeout  time.Duration
	queues       int  // queues per topic created by the adapter
	createTopics bool // create missing topics (admin) before subscribe / on first publish
	routeWait    time.Duration
	timerDelay   bool   // portable Delay through 5.x timer properties (else nearest delay level)
	selector     string // queue selector of keyed messages: selectorJava or selectorFNV
	exactGroups  bool   // group_names=exact: the mq group is the RocketMQ group (groups.go)
}

// urlParams are the query parameters of a rocketmq:// URL.
var urlParams = map[string]bool{
	"group": true, "retries": true, "access_key": true, "secret_key": true, "security_token": true,
	"namespace": true, "instance": true, "send_timeout": true, "queues": true, "create_topics": true,
	"route_wait": true, "delay": true, "selector": true, "group_names": true,
}

// urlForm is what every error about a malformed URL says it wants.
const urlForm = "want rocketmq://[access_key:secret_key@]host:port[;host:port...][?param=value&...]"

// parseURL reads rocketmq://host:9876;host2:9876?group=...&retries=...
//
// A URL that is not exactly well formed is refused with ErrInvalidOption,
// and the error never quotes the URL or a part of it that could be a
// secret: opaque URLs (rocketmq:ak:sk@h), a fragment (an unescaped '#' in a
// secret), a malformed query (';' separators), a name server address
// without a valid port, a path.
func parseURL(u *url.URL) (*config, error) {
	bad := func(format string, args ...any) error {
		return driver.Errorf(driver.CodeInvalidOption, "open", "URL: "+format+"; "+urlForm, args...)
	}
	if u.Opaque != "" {
		return nil, bad("no \"//\" after the scheme")
	}
	if u.Fragment != "" || u.RawFragment != "" || strings.HasSuffix(u.String(), "#") {
		return nil, bad("a '#' outside the query (escape it as %%23 in a secret)")
	}
	if u.Host == "" {
		return nil, bad("no name server address")
	}
	var addrs []string
	for i, a := range strings.FieldsFunc(u.Host, func(r rune) bool { return r == ';' || r == ',' }) {
		if !strings.Contains(a, ":") || (strings.HasPrefix(a, "[") && strings.HasSuffix(a, "]")) {
			a += ":9876" // the name server's default port
		}
		if err := checkAddr(a); err != "" {
			return nil, bad("name server address %d: %s", i+1, err)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 || strings.Count(u.Host, ";")+strings.Count(u.Host, ",")+1 != len(addrs) {
		return nil, bad("an empty name server address")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, bad("unexpected path (a RocketMQ URL has none)")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("malformed query string (parameters are separated by '&', values escaped)")
	}
	secret := u.User != nil
	for k := range q {
		if k == "secret_key" || k == "security_token" {
			secret = true
		}
	}
	var unknown []string
	for k := range q {
		if !urlParams[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		for _, k := range unknown {
			if secret || !paramLike(k) {
				// A secret with an unescaped '&' splits into an unknown
				// parameter whose name is part of the secret; a name
				// that does not look like a parameter may be one too.
				return nil, bad("%d unknown parameter(s) (names not shown: they may hold a secret; escape '&' in secrets as %%26; known: %s)", len(unknown), knownParams())
			}
		}
		return nil, bad("unknown parameter %s (known: %s)", strings.Join(unknown, ", "), knownParams())
	}
	p := kit.NewParams(backend, q)
	c := &config{nameServers: addrs}
	c.group = p.String("group", "unimq_producer")
	c.retries = p.Int("retries", 2)
	c.creds.AccessKey = p.String("access_key", "")
	c.creds.SecretKey = p.String("secret_key", "")
	c.creds.SecurityToken = p.String("security_token", "")
	if u.User != nil {
		// rocketmq://accessKey:secretKey@host:9876 works as well.
		if c.creds.AccessKey == "" {
			c.creds.AccessKey = u.User.Username()
		}
		if pw, ok := u.User.Password(); ok && c.creds.SecretKey == "" {
			c.creds.SecretKey = pw
		}
	}
	c.namespace = p.String("namespace", "")
	c.instance = p.String("instance", "unimq")
	c.sendTimeout = p.Duration("send_timeout", 3*time.Second)
	c.queues = p.Int("queues", 4)
	c.createTopics = p.Bool("create_topics", true)
	c.routeWait = p.Duration("route_wait", 15*time.Second)
	c.timerDelay = p.Enum("delay", "timer", "timer", "levels") == "timer"
	c.selector = p.Enum("selector", selectorJava, selectorJava, selectorFNV)
	c.exactGroups = p.Enum("group_names", "topic", "topic", "exact") == "exact"
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err := checkProducerGroup(c.group); err != nil {
		return nil, err
	}
	if c.queues < 1 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter queues=%d: want at least 1", c.queues)
	}
	if c.sendTimeout <= 0 {
		c.sendTimeout = 3 * time.Second
	}
	if (c.creds.AccessKey == "") != (c.creds.SecretKey == "") {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL: access_key and secret_key go together")
	}
	return c, nil
}

// checkProducerGroup applies RocketMQ's group name rule to the producer
// group (the client writes it into the PGROUP property of transactional
// messages, so it must not carry property separators either).
func checkProducerGroup(g string) error {
	if !validGroup.MatchString(g) {
		return driver.Errorf(driver.CodeInvalidOption, "open", "producer group %.64q: want 1-255 letters, digits, '%%', '|', '_' or '-'", g)
	}
	return nil
}

// paramLike reports whether k looks like a parameter name (lower-case
// letters, digits and '_', at most 32 bytes), so an error may quote it.
func paramLike(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

func knownParams() string {
	known := make([]string, 0, len(urlParams))
	for k := range urlParams {
		known = append(known, k)
	}
	sort.Strings(known)
	return strings.Join(known, ", ")
}

// checkAddr returns what is wrong with a name server address, or "". The
// address itself is never quoted (a malformed URL may have put a secret
// there).
func checkAddr(a string) string {
	if a == "" {
		return "empty"
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "not host:port"
	}
	if host == "" {
		return "no host"
	}
	if strings.ContainsAny(host, "@/?#%[] ") && !strings.HasPrefix(a, "[") {
		return "invalid host"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
		return "port is not a number in 1..65535"
	}
	return ""
}

// instanceName returns a client instance name unique in this process: the
// Go client shares one connection set per instance name and allows a
// producer or consumer group only once per instance, so every producer and
// consumer of unimq gets its own.
func (c *config) instanceName(kind string) string {
	return c.instance + "-" + kind + "-" + itoa(os.Getpid()) + "-" + itoa(int(instanceSeq.Add(1)))
}
