package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/unimq/unimq/internal/scram"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// settings is everything the URL and the open options configure.
type settings struct {
	addrs        []string
	version      sarama.KafkaVersion
	clientID     string
	partitions   int32 // for topics the adapter creates; -1: broker default
	replication  int16 // -1: broker default
	createTopics bool
	compression  sarama.CompressionCodec
	idempotent   bool
	linger       time.Duration
	retryTopics  bool
	drainTimeout time.Duration
	session      time.Duration
	heartbeat    time.Duration
	rebalance    string
	dialTimeout  time.Duration
	tls          *tls.Config
	dialer       Dialer // WithDialer
	saslMech     string
	saslUser     string
	saslPassword string
	transactions bool
}

// parseURL reads kafka://host:9092,host2:9092?params. Every parameter is
// listed in the package documentation. Errors name the problem and never
// echo a part of the URL that could be secret (query values, user info,
// file contents); files named by tls_* are read bounded by ctx.
func parseURL(ctx context.Context, u *url.URL, opts []driver.Option) (*settings, error) {
	const op = "open"
	s := &settings{}
	for _, h := range strings.Split(u.Host, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		addr, err := brokerAddr(h)
		if err != nil {
			return nil, err
		}
		s.addrs = append(s.addrs, addr)
	}
	if len(s.addrs) == 0 {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "no bootstrap broker in URL (want kafka://host:9092[,host2:9092])"}
	}
	if u.Path != "" && u.Path != "/" || u.Opaque != "" {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "unexpected path in URL (want kafka://host:9092[,host2:9092][?params])"}
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "unexpected '#' in URL (escape it as %23 inside a value)"}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		// ParseQuery drops what it cannot read (e.g. "a=1;b=2"): refuse
		// rather than open without those settings; its error quotes the
		// text, so it is not passed on.
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "malformed URL query (parameters are joined with '&', and '%', ';' and '#' in values must be escaped)"}
	}
	p := kit.NewParams(backend, q)
	s.clientID = p.String("client_id", "unimq")
	ver := p.String("version", "2.8.0")
	partitions := p.Int("partitions", 0)
	replication := p.Int("replication", 0)
	s.createTopics = p.Bool("create_topics", true)
	comp := p.Enum("compression", "none", "none", "gzip", "snappy", "lz4", "zstd")
	s.idempotent = p.Bool("idempotent", true)
	s.linger = p.Duration("linger", 0)
	s.retryTopics = p.Bool("retry_topics", true)
	s.drainTimeout = p.Duration("drain_timeout", 5*time.Second)
	s.session = p.Duration("session_timeout", 10*time.Second)
	s.heartbeat = p.Duration("heartbeat_interval", time.Second)
	s.rebalance = p.Enum("rebalance", "sticky", "sticky", "range", "roundrobin")
	s.dialTimeout = p.Duration("dial_timeout", 10*time.Second)
	s.transactions = p.Bool("transactions", true)
	useTLS := p.Bool("tls", false)
	tlsp := kit.ReadTLSParams(p)
	s.saslMech = p.Enum("sasl_mechanism", "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
	s.saslUser = p.String("sasl_user", "")
	s.saslPassword = p.String("sasl_password", "")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err := checkBounds(partitions, replication, s); err != nil {
		return nil, err
	}
	s.partitions, s.replication = int32(partitions), int16(replication)
	if u.User != nil {
		if s.saslUser == "" {
			s.saslUser = u.User.Username()
		}
		if pw, ok := u.User.Password(); ok && s.saslPassword == "" {
			s.saslPassword = pw
		}
	}
	if s.saslUser != "" && s.saslMech == "" {
		s.saslMech = "PLAIN"
	}
	if s.saslPassword != "" && s.saslUser == "" {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "sasl_password given without sasl_user"}
	}
	if s.saslMech != "" && s.saslUser == "" {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: "sasl_mechanism given without sasl_user"}
	}
	v, err := sarama.ParseKafkaVersion(ver)
	if err != nil {
		return nil, &driver.Error{Code: driver.CodeInvalidOption, Op: op, Msg: fmt.Sprintf("URL parameter version=%q: not a Kafka version", ver)}
	}
	s.version = v
	if s.partitions == 0 {
		s.partitions = -1
	}
	if s.replication == 0 {
		s.replication = -1
	}
	s.compression = codecs[comp]
	applyOpen(s, opts)
	if useTLS || tlsp.Any() {
		tc, err := tlsp.Config(ctx)
		if err != nil {
			return nil, err
		}
		if s.tls == nil {
			s.tls = tc
		}
	}
	if s.idempotent && !s.version.IsAtLeast(sarama.V0_11_0_0) {
		s.idempotent = false
	}
	if s.transactions && !s.version.IsAtLeast(sarama.V0_11_0_0) {
		s.transactions = false
	}
	return s, nil
}

var codecs = map[string]sarama.CompressionCodec{
	"none":   sarama.CompressionNone,
	"gzip":   sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy,
	"lz4":    sarama.CompressionLZ4,
	"zstd":   sarama.CompressionZSTD,
}

// brokerAddr checks one bootstrap address of the URL: host or host:port,
// where port is 1-65535 (9092 when missing). An empty port ("host:") or
// a bad one is refused; the address is not echoed (it sits next to the
// query in the URL).
func brokerAddr(h string) (string, error) {
	bad := func(why string) error {
		return &driver.Error{Code: driver.CodeInvalidOption, Op: "open", Msg: "bootstrap broker address: " + why}
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			return "", bad("malformed host:port")
		}
		host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), "9092"
	}
	if host == "" {
		return "", bad("empty host")
	}
	if port == "" {
		return "", bad("empty port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", bad("port must be a number from 1 to 65535")
	}
	for _, c := range host {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("/?#@%\\", c) {
			return "", bad("host contains characters not allowed in a host name")
		}
	}
	return net.JoinHostPort(host, port), nil
}

// checkBounds refuses numeric parameters outside what Kafka or sarama can
// take (partitions 0..2147483647, replication 0..32767; 0: broker default),
// instead of letting them wrap.
func checkBounds(partitions, replication int, s *settings) error {
	bad := func(name, want string) error {
		return &driver.Error{Code: driver.CodeInvalidOption, Op: "open", Msg: fmt.Sprintf("URL parameter %s: want %s", name, want)}
	}
	switch {
	case partitions < 0 || partitions > math.MaxInt32:
		return bad("partitions", "0 (broker default) to 2147483647")
	case replication < 0 || replication > math.MaxInt16:
		return bad("replication", "0 (broker default) to 32767")
	case s.linger < 0:
		return bad("linger", "a duration of 0 or more")
	case s.drainTimeout < 0:
		return bad("drain_timeout", "a duration of 0 or more")
	case s.session <= 0:
		return bad("session_timeout", "a positive duration")
	case s.heartbeat <= 0 || s.heartbeat >= s.session:
		return bad("heartbeat_interval", "a positive duration below session_timeout")
	case s.dialTimeout <= 0:
		return bad("dial_timeout", "a positive duration")
	}
	return nil
}

// connectCode classifies an error of connecting to the brokers (at Open).
// CodeInvalidOption when the settings cannot work however often one tries:
// SASL authentication failed or the mechanism is not enabled; the broker's
// certificate is not trusted or not for that name; the broker ended the TLS
// handshake with an alert (e.g. a client certificate missing or not
// trusted). CodeUnavailable otherwise (unreachable, refused, closed:
// retryable).
func connectCode(err error) driver.Code {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		op       *net.OpError
	)
	switch {
	case errors.Is(err, sarama.ErrSASLAuthenticationFailed), errors.Is(err, sarama.ErrUnsupportedSASLMechanism),
		errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return driver.CodeInvalidOption
	case errors.As(err, &op) && op.Op == "remote error": // crypto/tls: an alert the broker sent
		return driver.CodeInvalidOption
	}
	return driver.CodeUnavailable
}

// base returns the sarama configuration shared by every client the adapter
// opens; callers adjust producer/consumer fields on their copy.
func (s *settings) base() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = s.version
	c.ClientID = s.clientID
	c.Net.DialTimeout = s.dialTimeout
	c.Metadata.AllowAutoTopicCreation = !s.createTopics
	if s.tls != nil {
		c.Net.TLS.Enable = true
		c.Net.TLS.Config = s.tls
	}
	if s.dialer != nil {
		c.Net.Proxy.Enable = true
		c.Net.Proxy.Dialer = s.dialer
	}
	if s.saslMech != "" {
		c.Net.SASL.Enable = true
		c.Net.SASL.Handshake = true
		c.Net.SASL.User = s.saslUser
		c.Net.SASL.Password = s.saslPassword
		switch s.saslMech {
		case "PLAIN":
			c.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		case "SCRAM-SHA-256":
			c.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
			c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return scram.New(scram.SHA256) }
		case "SCRAM-SHA-512":
			c.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
			c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return scram.New(scram.SHA512) }
		}
	}
	return c
}

// producerConfig is the confirmed pipeline's configuration: acks=all,
// idempotent where the broker version allows, successes and errors returned.
func (s *settings) producerConfig() *sarama.Config {
	c := s.base()
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Partitioner = newPartitioner
	c.Producer.Compression = s.compression
	c.Producer.Flush.Frequency = s.linger
	c.Producer.MaxMessageBytes = 1 << 20
	if s.idempotent {
		c.Producer.Idempotent = true
		c.Net.MaxOpenRequests = 1
		if c.Producer.Retry.Max < 1 {
			c.Producer.Retry.Max = 1
		}
	}
	return c
}

// oneWayConfig is the acks=0 pipeline (lossy by design, never idempotent).
func (s *settings) oneWayConfig() *sarama.Config {
	c := s.producerConfig()
	c.Producer.RequiredAcks = sarama.NoResponse
	c.Producer.Idempotent = false
	c.Net.MaxOpenRequests = 5
	return c
}

// consumerConfig is for subscriptions: read_committed, explicit offsets.
func (s *settings) consumerConfig(start driver.StartKind) *sarama.Config {
	c := s.base()
	c.Consumer.Return.Errors = true
	c.Consumer.IsolationLevel = sarama.ReadCommitted
	c.Consumer.Offsets.Initial = sarama.OffsetNewest
	if start == driver.StartOldest {
		c.Consumer.Offsets.Initial = sarama.OffsetOldest
	}
	c.Consumer.Offsets.AutoCommit.Enable = true
	c.Consumer.Offsets.AutoCommit.Interval = 500 * time.Millisecond
	c.Consumer.Group.Session.Timeout = s.session
	c.Consumer.Group.Heartbeat.Interval = s.heartbeat
	c.Consumer.Group.Rebalance.Timeout = 30 * time.Second
	c.Consumer.MaxProcessingTime = time.Second
	switch s.rebalance {
	case "range":
		c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	case "roundrobin":
		c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRoundRobin()}
	default:
		c.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategySticky()}
	}
	return c
}

// maxMessageBytes is the body+headers limit mq enforces: below the broker's
// default message.max.bytes (1 MiB + 12) with room for the record overhead.
const maxMessageBytes = 1000000
