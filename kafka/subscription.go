package kafka

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// subscription is a driver.Subscription: a consumer group (or, for
// Broadcast, a plain consumer of every partition) on its own sarama client,
// feeding a bounded channel that Receive reads.
type subscription struct {
	c           *conn
	cfg         *driver.SubscriptionConfig
	client      sarama.Client
	admin       sarama.ClusterAdmin // on client, never closed itself
	group       sarama.ConsumerGroup
	retryGroup  sarama.ConsumerGroup // the member reading retryTopic (nil without one)
	retryClient sarama.Client        // retryGroup's own client
	consumer    sarama.Consumer
	retryTopic  string                 // "" when Nack redelivers in place
	deliveries  chan []*driver.Message // runs of records of one partition, in order

	recvMu  sync.Mutex
	pending []*driver.Message // the part of a run a Receive did not take

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ready  chan struct{}
	once   sync.Once

	closeMu  sync.Mutex
	closed   bool
	closeErr error

	goMu    sync.Mutex // orders Nack's timer goroutines with shutdown's wg.Wait
	stopped bool

	link atomic.Pointer[func(error)] // WatchLink's function (linkstate.go)
}

var topicUnsafe = regexp.MustCompile(`[^a-zA-Z0-9._-]`)

// RetryTopic is the topic a group's nacked messages of topic wait in:
// "<topic>.<group>.retry" (characters Kafka forbids become '_').
func RetryTopic(topic, group string) string {
	return topicUnsafe.ReplaceAllString(topic+"."+group+".retry", "_")
}

// DeadLetterTopic is the default dead-letter topic of a group:
// "<topic>.<group>.dlq" ("<topic>.dlq" for broadcast subscribers).
func DeadLetterTopic(topic, group string) string {
	if group == "" {
		return topicUnsafe.ReplaceAllString(topic+".dlq", "_")
	}
	return topicUnsafe.ReplaceAllString(topic+"."+group+".dlq", "_")
}

func (c *conn) Subscribe(ctx context.Context, cfg *driver.SubscriptionConfig) (driver.Subscription, error) {
	const op = "subscribe"
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, closedErr(op)
	}
	c.mu.Unlock()
	if err := c.ensureTopic(ctx, cfg.Topic); err != nil {
		return nil, err
	}
	s := &subscription{c: c, cfg: cfg, ready: make(chan struct{}), deliveries: make(chan []*driver.Message, 2)}
	if !cfg.Broadcast && !cfg.Ordered && c.set.retryTopics {
		s.retryTopic = RetryTopic(cfg.Topic, cfg.Group)
		if err := c.ensureTopic(ctx, s.retryTopic); err != nil {
			return nil, err
		}
	}
	client, err := sarama.NewClient(c.set.addrs, c.set.consumerConfig(cfg.Start.Kind))
	if err != nil {
		return nil, driver.Errorf(driver.CodeUnavailable, op, "client: %w", err)
	}
	s.client = client
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.Broadcast {
		err = s.startBroadcast(ctx)
	} else {
		err = s.startGroup(ctx)
	}
	if err != nil {
		s.shutdown()
		return nil, err
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		s.shutdown()
		return nil, driver.Errorf(driver.CodeOf(ctx.Err()), op, "joining group %q on %q: %w", cfg.Group, cfg.Topic, ctx.Err())
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		s.shutdown()
		return nil, closedErr(op)
	}
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	return s, nil
}

func (s *subscription) markReady() { s.once.Do(func() { close(s.ready) }) }

// maxRun bounds how many records of a partition one delivery carries: the
// prefetch mq negotiated (at least maxRunCap unless the user set a smaller
// Prefetch), capped by maxRunCap.
func (s *subscription) maxRun() int { return min(max(s.cfg.Prefetch, 1), maxRunCap) }

// push queues a run of records for Receive; false when the claim or the
// subscription ends first.
func (s *subscription) push(ctx context.Context, run []*driver.Message) bool {
	select {
	case s.deliveries <- run:
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}

// Receive returns up to n records: what an earlier Receive left of a run
// first, then the next runs. Records of a claim being given up are dropped
// (the next owner reads them again).
func (s *subscription) Receive(ctx context.Context, n int) ([]*driver.Message, error) {
	n = max(n, 1)
	s.recvMu.Lock()
	out, rest := admit(nil, s.pending, n)
	s.pending = rest
	s.recvMu.Unlock()
	for len(out) == 0 {
		select {
		case run := <-s.deliveries:
			out, rest = admit(out, run, n)
			s.keep(rest)
		case <-ctx.Done():
			return nil, driver.Wrap(driver.CodeOf(ctx.Err()), "receive", ctx.Err())
		case <-s.ctx.Done():
			return nil, &driver.Error{Code: driver.CodeClosed, Op: "receive", Msg: "subscription closed"}
		}
	}
	for len(out) < n {
		select {
		case run := <-s.deliveries:
			out, rest = admit(out, run, n)
			s.keep(rest)
		default:
			return out, nil
		}
	}
	return out, nil
}

// keep saves the records of a run a Receive had no room for.
func (s *subscription) keep(rest []*driver.Message) {
	if len(rest) == 0 {
		return
	}
	s.recvMu.Lock()
	s.pending = append(s.pending, rest...)
	s.recvMu.Unlock()
}

// admit appends to out the records of in that may still be handed out,
// until out holds n; it returns the records of in it did not look at.
func admit(out, in []*driver.Message, n int) ([]*driver.Message, []*driver.Message) {
	for len(in) > 0 && len(out) < n {
		out, in = in[0].AckID.(*ackID).cs.take(out, in, n)
	}
	return out, in
}

func ackOf(op string, m *driver.Message) (*ackID, error) {
	id, ok := m.AckID.(*ackID)
	if !ok {
		return nil, &driver.Error{Code: driver.CodeInvalidArgument, Op: op, Msg: "message was not received from this subscription"}
	}
	return id, nil
}

// Ack commits msgs: each run of one partition's records takes its claim's
// lock once and marks the offset once.
func (s *subscription) Ack(ctx context.Context, msgs []*driver.Message) error {
	for _, m := range msgs {
		if _, err := ackOf("ack", m); err != nil {
			return err
		}
	}
	for len(msgs) > 0 {
		msgs = msgs[0].AckID.(*ackID).cs.settleRun(msgs)
	}
	return nil
}

// Nack redelivers m with Attempt+1 not before delay. In a group with retry
// topics on, when every earlier record of its partition has finished: a copy
// goes to the group's retry topic (headers unimq-attempt, unimq-not-before),
// confirmed, then the original is committed; the group holds the copy in
// memory until its time. Otherwise (an earlier record still running,
// Broadcast, Ordered, retry_topics=false, or the retry topic cannot be
// written) the record is redelivered in place after delay, holding back its
// partition's commits. The first rule means a failover never redelivers both
// a record and its retry copy: the copy exists only once the commit passes
// the original.
func (s *subscription) Nack(ctx context.Context, m *driver.Message, delay time.Duration) error {
	id, err := ackOf("nack", m)
	if err != nil {
		return err
	}
	if s.ctx.Err() != nil || !id.cs.beginSettle() {
		// closing or revoked: leave it uncommitted; it is read again
		id.cs.release(id)
		return nil
	}
	defer id.cs.endSettle()
	if s.retryTopic != "" && id.cs.firstUnfinished(id.offset) {
		extra := map[string]string{
			driver.HeaderAttempt: strconv.Itoa(m.Attempt + 1),
			headerNotBefore:      strconv.FormatInt(time.Now().Add(delay).UnixMilli(), 10),
			headerRetryOf:        m.Topic,
		}
		if err := s.c.sendCopy(ctx, "nack", copyRecord(s.retryTopic, m, m.Headers, extra)); err == nil {
			id.cs.settle(id, true)
			return nil
		} else if s.ctx.Err() == nil {
			s.c.log.LogAttrs(ctx, slog.LevelWarn, "unimq kafka: retry topic write failed; redelivering in place",
				slog.String("topic", m.Topic), slog.String("retry_topic", s.retryTopic), slog.String("error", err.Error()))
		}
	}
	id.cs.release(id)
	m.Attempt++
	s.goMu.Lock()
	defer s.goMu.Unlock()
	if s.stopped {
		return nil // closing: left uncommitted, read again by the group
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			s.push(s.ctx, []*driver.Message{m})
		case <-s.ctx.Done():
		}
	}()
	return nil
}

// DeadLetter publishes a copy of m with kit.DeadLetterHeaders to the
// configured dead-letter topic (default DeadLetterTopic), waits for the
// broker's confirmation, then commits m.
func (s *subscription) DeadLetter(ctx context.Context, m *driver.Message, reason string) error {
	id, err := ackOf("dead-letter", m)
	if err != nil {
		return err
	}
	if !id.cs.beginSettle() {
		return &driver.Error{Code: driver.CodeUnavailable, Op: "dead-letter", Msg: "partition revoked; the record will be redelivered"}
	}
	defer id.cs.endSettle()
	topic := s.cfg.DeadLetter
	if topic == "" {
		topic = DeadLetterTopic(s.cfg.Topic, s.cfg.Group)
	}
	if err := s.c.ensureTopic(ctx, topic); err != nil {
		return err
	}
	h := kit.DeadLetterHeaders(m, m.Topic, s.cfg.Group, reason)
	if err := s.c.sendCopy(ctx, "dead-letter", copyRecord(topic, m, h, nil)); err != nil {
		return err
	}
	id.cs.settle(id, true)
	return nil
}

// sendCopy produces one record on the confirmed pipeline and waits.
func (c *conn) sendCopy(ctx context.Context, op string, pm *sarama.ProducerMessage) error {
	if err := c.ensureTopic(ctx, pm.Topic); err != nil {
		return err
	}
	res := make(chan error, 1)
	pm.Metadata = &pending{partition: -1, done: func(_ *sarama.ProducerMessage, err error) { res <- err }}
	if err := c.prod.send(ctx, op, pm); err != nil {
		return err
	}
	select {
	case err := <-res:
		if err != nil {
			return sendErr(op, err)
		}
		return nil
	case <-ctx.Done():
		return driver.Wrap(driver.CodeOf(ctx.Err()), op, ctx.Err())
	}
}

// Close leaves the group (committing what finished) or stops the broadcast
// consumer, and closes the subscription's client. Records not settled are
// not committed: the group redelivers them.
func (s *subscription) Close(ctx context.Context) error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return &driver.Error{Code: driver.CodeClosed, Op: "close", Msg: "subscription closed"}
	}
	s.closed = true
	s.shutdown()
	s.c.untrack(s)
	return s.closeErr
}

// shutdown stops every goroutine of s and closes its client.
func (s *subscription) shutdown() {
	if s.cancel != nil {
		s.cancel()
	}
	s.goMu.Lock()
	s.stopped = true
	s.goMu.Unlock()
	for _, g := range []sarama.ConsumerGroup{s.group, s.retryGroup} {
		if g == nil {
			continue
		}
		if err := g.Close(); err != nil && s.closeErr == nil {
			s.closeErr = driver.Errorf(driver.CodeUnavailable, "close", "leaving group: %w", err)
		}
	}
	if s.consumer != nil {
		_ = s.consumer.Close()
	}
	s.wg.Wait()
	if s.retryClient != nil {
		_ = s.retryClient.Close()
	}
	if s.client != nil {
		_ = s.client.Close()
	}
}

// As gives access to *sarama.ConsumerGroup (groups), *sarama.Consumer
// (broadcast) and *sarama.Client (the subscription's own client).
func (s *subscription) As(target any) bool {
	switch t := target.(type) {
	case *sarama.ConsumerGroup:
		if s.group == nil {
			return false
		}
		*t = s.group
	case *sarama.Consumer:
		if s.consumer == nil {
			return false
		}
		*t = s.consumer
	case *sarama.Client:
		*t = s.client
	default:
		return false
	}
	return true
}
