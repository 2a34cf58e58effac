package rocketmq

import (
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/mq/driver"
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
	timerDelay   bool // portable Delay through 5.x timer properties (else nearest delay level)
	exactGroups  bool // group_names=exact: the mq group is the RocketMQ group (groups.go)
}

// parseURL reads rocketmq://host:9876;host2:9876?group=...&retries=...
func parseURL(u *url.URL) (*config, error) {
	host := u.Host
	if host == "" {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "rocketmq URL %q has no name server address", driver.Redact(u))
	}
	var addrs []string
	for _, a := range strings.FieldsFunc(host, func(r rune) bool { return r == ';' || r == ',' }) {
		if !strings.Contains(a, ":") {
			a += ":9876"
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "rocketmq URL %q has no name server address", driver.Redact(u))
	}
	if u.Path != "" && u.Path != "/" {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "rocketmq URL %q: unexpected path %q", driver.Redact(u), u.Path)
	}
	p := driver.NewParams(backend, u.Query())
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
	c.exactGroups = p.Enum("group_names", "topic", "topic", "exact") == "exact"
	if err := p.Err(); err != nil {
		return nil, err
	}
	if c.queues < 1 {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "URL parameter queues=%d: want at least 1", c.queues)
	}
	if c.sendTimeout <= 0 {
		c.sendTimeout = 3 * time.Second
	}
	if (c.creds.AccessKey == "") != (c.creds.SecretKey == "") {
		return nil, driver.Errorf(driver.CodeInvalidOption, "open", "rocketmq URL %q: access_key and secret_key go together", driver.Redact(u))
	}
	return c, nil
}

// instanceName returns a client instance name unique in this process: the
// Go client shares one connection set per instance name and allows a
// producer or consumer group only once per instance, so every producer and
// consumer of unimq gets its own.
func (c *config) instanceName(kind string) string {
	return c.instance + "-" + kind + "-" + itoa(os.Getpid()) + "-" + itoa(int(instanceSeq.Add(1)))
}
