package kafka

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// startGroup joins cfg.Group on the topic with a sarama ConsumerGroup whose
// loop runs until Close, and, with a retry topic, joins the same group again
// as a second member (on a client of its own) that reads only the retry
// topic. Both members carry
// the group's name (its committed offsets), but the main topic's
// partitions are spread over the main members only: with the retry topic in
// the same session the assignor balanced the total, so with 4 partitions of
// each one member could get 3 of the main topic's and the other 1.
func (s *subscription) startGroup(ctx context.Context) error {
	admin, err := sarama.NewClusterAdminFromClient(s.client)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, "subscribe", "admin client: %w", err)
	}
	s.admin = admin
	if s.retryTopic != "" {
		// The retry member joins first and Subscribe waits for it: joining
		// after the main member would rebalance the group again just as the
		// main member started reading (its records read twice).
		//
		// Its own client: a JoinGroup waits on the broker until every member
		// rejoined, and two members' joins on one connection would queue
		// behind each other.
		rcfg := s.c.set.consumerConfig(s.cfg.Start.Kind)
		rcfg.Metadata.Full = false // it needs the retry topic's metadata only
		rc, err := sarama.NewClient(s.c.set.addrs, rcfg)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, "subscribe", "client: %w", err)
		}
		s.retryClient = rc
		rg, err := sarama.NewConsumerGroupFromClient(s.cfg.Group, rc)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, "subscribe", "consumer group %q: %w", s.cfg.Group, err)
		}
		s.retryGroup = rg
		joined := make(chan struct{})
		var once sync.Once
		s.runGroup(rg, s.retryTopic, &groupHandler{s: s, ready: func() { once.Do(func() { close(joined) }) }})
		select {
		case <-joined:
		case <-ctx.Done():
			return driver.Errorf(driver.CodeOf(ctx.Err()), "subscribe", "joining group %q on %q: %w", s.cfg.Group, s.retryTopic, ctx.Err())
		}
	}
	g, err := sarama.NewConsumerGroupFromClient(s.cfg.Group, s.client)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, "subscribe", "consumer group %q: %w", s.cfg.Group, err)
	}
	s.group = g
	s.runGroup(g, s.cfg.Topic, &groupHandler{s: s, ready: s.markReady, main: true})
	return nil
}

// runGroup starts the goroutines of one group member: its error log and its
// session loop (rejoining after errors) until Close.
func (s *subscription) runGroup(g sarama.ConsumerGroup, topic string, h *groupHandler) {
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		for err := range g.Errors() {
			// sarama retries these itself (broker restarts, rebalances)
			if topic == s.cfg.Topic {
				s.linkErr(err)
			}
			s.c.log.LogAttrs(context.Background(), slog.LevelDebug, "unimq kafka: consumer group error",
				slog.String("topic", topic), slog.String("group", s.cfg.Group), slog.String("error", err.Error()))
		}
	}()
	go func() {
		defer s.wg.Done()
		for {
			err := g.Consume(s.ctx, []string{topic}, h)
			if s.ctx.Err() != nil || errors.Is(err, sarama.ErrClosedConsumerGroup) {
				return
			}
			if err != nil {
				if topic == s.cfg.Topic {
					s.linkErr(err)
				}
				s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq kafka: group session ended; rejoining",
					slog.String("topic", topic), slog.String("group", s.cfg.Group), slog.String("error", err.Error()))
				t := time.NewTimer(500 * time.Millisecond)
				select {
				case <-t.C:
				case <-s.ctx.Done():
					t.Stop()
					return
				}
			}
		}
	}()
}

// groupHandler is the sarama.ConsumerGroupHandler of one of a
// subscription's group members; ready is called after each Setup (Subscribe
// waits for the first).
type groupHandler struct {
	s     *subscription
	ready func()
	main  bool // the member reading the topic (not the retry topic): it tells the link's state
}

// Setup runs once the member has its assignment, before any claim starts.
// For partitions the group has no committed offset for, it resolves the
// start position now (newest, oldest or by timestamp; retry topics always
// from the oldest) and commits it, so a record produced after Subscribe
// returns is never skipped by a "newest" resolved later.
func (h *groupHandler) Setup(sess sarama.ConsumerGroupSession) error {
	s := h.s
	claims := sess.Claims()
	if len(claims) > 0 {
		resp, err := s.admin.ListConsumerGroupOffsets(s.cfg.Group, claims)
		if err != nil {
			return err
		}
		marked := false
		for topic, parts := range claims {
			for _, p := range parts {
				if b := resp.GetBlock(topic, p); b != nil && b.Err == sarama.ErrNoError && b.Offset >= 0 {
					continue
				}
				off, err := h.startOffset(topic, p)
				if err != nil {
					return err
				}
				sess.MarkOffset(topic, p, off, "")
				marked = true
			}
		}
		if marked {
			sess.Commit()
		}
	}
	if h.main {
		s.tell(nil)
	}
	h.ready()
	return nil
}

// startOffset is where a new group starts on partition p of topic.
func (h *groupHandler) startOffset(topic string, p int32) (int64, error) {
	s := h.s
	if topic == s.retryTopic {
		return getOffset(s.client, topic, p, sarama.OffsetOldest)
	}
	return startOffset(s.client, topic, p, s.cfg.Start)
}

func startOffset(client sarama.Client, topic string, p int32, start driver.StartPosition) (int64, error) {
	switch start.Kind {
	case driver.StartOldest:
		return getOffset(client, topic, p, sarama.OffsetOldest)
	case driver.StartAtTime:
		off, err := getOffset(client, topic, p, start.Time.UnixMilli())
		if err != nil || off >= 0 {
			return off, err
		}
	}
	return getOffset(client, topic, p, sarama.OffsetNewest)
}

// getOffset is client.GetOffset retried over stale metadata (a leader that
// moved or a broker that just restarted).
func getOffset(client sarama.Client, topic string, p int32, at int64) (int64, error) {
	var err error
	for i := 0; i < 10; i++ {
		var off int64
		if off, err = client.GetOffset(topic, p, at); err == nil {
			return off, nil
		}
		time.Sleep(time.Duration(50*(i+1)) * time.Millisecond)
		_ = client.RefreshMetadata(topic)
	}
	return -1, err
}

func (h *groupHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	sess.Commit()
	return nil
}

// ConsumeClaim queues the claim's records for Receive, holding retry copies
// until their not-before time, and on revocation drains the claim.
func (h *groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	s := h.s
	cs := newClaimState(claim.Topic(), claim.Partition(), sess)
	defer func() {
		cs.drain(s.c.set.drainTimeout, s.ctx.Done())
		s.handOver(cs)
		cs.revoke()
		sess.Commit() // synchronous: the next owner starts after what finished
	}()
	ctx := sess.Context()
	isRetry := claim.Topic() == s.retryTopic
	var held delayQueue
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	msgs := claim.Messages()
	for {
		select {
		case r, ok := <-msgs:
			if !ok {
				return nil
			}
			// Take what else is already waiting, so a run of records costs
			// one hand-off to Receive.
			ds := readRun(r, msgs, s.maxRun(), cs)
			cs.deliveredRun(ds)
			run := make([]*driver.Message, 0, len(ds))
			for i := range ds {
				d := &ds[i]
				if isRetry && time.Until(d.notBefore) > 0 {
					heap.Push(&held, heldMsg{&d.dm, d.notBefore})
					timer.Reset(time.Until(held[0].at))
					continue
				}
				run = append(run, &d.dm)
			}
			if len(run) > 0 && !s.push(ctx, run) {
				return nil
			}
		case <-timer.C:
			var run []*driver.Message
			for len(held) > 0 && time.Until(held[0].at) <= 0 {
				run = append(run, heap.Pop(&held).(heldMsg).dm)
			}
			if len(run) > 0 && !s.push(ctx, run) {
				return nil
			}
			if len(held) > 0 {
				timer.Reset(time.Until(held[0].at))
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// handOver runs when a claim ends (revocation or Close), after its drain:
// records not finished below a finished one (not started when Close came,
// nacked in place, or still running past drain_timeout) would hold the
// commit back, so the next owner would replay everything acknowledged after
// them. With a retry topic each such record is copied there (its attempt
// unchanged, confirmed) and then counted as finished, so the commit moves
// past every acknowledged record. Records after the last finished one stay
// uncommitted: the next owner reads them. Without a retry topic (Ordered,
// retry_topics=false) the commit stops at the first unfinished record.
func (s *subscription) handOver(cs *claimState) {
	if s.retryTopic == "" || cs.sess == nil {
		return
	}
	gaps := cs.gaps()
	if len(gaps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.c.set.drainTimeout)
	defer cancel()
	for _, d := range gaps {
		m := &d.dm
		nb := d.notBefore
		if nb.IsZero() {
			nb = time.Now()
		}
		extra := map[string]string{
			driver.HeaderAttempt: strconv.Itoa(max(m.Attempt, 1)),
			headerNotBefore:      strconv.FormatInt(nb.UnixMilli(), 10),
			headerRetryOf:        m.Topic,
		}
		if err := s.c.sendCopy(ctx, "hand over", copyRecord(s.retryTopic, m, m.Headers, extra)); err != nil {
			s.c.log.LogAttrs(ctx, slog.LevelWarn, "unimq kafka: handing an unfinished record over through the retry topic failed; the commit stops before it",
				slog.String("topic", m.Topic), slog.String("retry_topic", s.retryTopic), slog.String("error", err.Error()))
			return
		}
		cs.bridged(d)
	}
}

// delayQueue holds retry copies by not-before time (a min-heap).
type heldMsg struct {
	dm *driver.Message
	at time.Time
}

type delayQueue []heldMsg

func (q delayQueue) Len() int           { return len(q) }
func (q delayQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q delayQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *delayQueue) Push(x any)        { *q = append(*q, x.(heldMsg)) }
func (q *delayQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
