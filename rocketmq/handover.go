package rocketmq

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
	"unsafe"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/unimq/unimq/rocketmq/internal/remoting"
)

// Handing queues over between members of a clustering group.
//
// rocketmq-client-go v2.1.2 persists consumer offsets with one-way requests,
// every 5 s and when a queue is dropped; at Shutdown it sends them one-way
// and closes its connections at once (the broker then drops the member and
// tells the others to rebalance, maybe before it applied the offsets). A
// member taking over a queue therefore may read an offset older than what
// was acknowledged, and replay those messages. And
// an orderly consumer never unlocks a queue a rebalance takes away (its
// removeUnnecessaryMessageQueue leaves the broker lock in place), so the new
// owner cannot lock it until the lock expires (60 s) and until its own next
// rebalance (20 s).
//
// The adapter therefore speaks to the broker itself (remoting requests, as
// for offsets.go): Close commits the offsets the client holds synchronously
// before the client shuts down; an orderly clustering subscription watches
// its queues, and for each queue taken away (once no message of it is being
// handled) commits the next offset and unlocks the queue at once; and it asks
// its client to rebalance again while it holds fewer queues than the group's
// allocation gives it (the queues whose lock was still held at the last
// rebalance), so a new member gets them within a second of their release.
//
// A rebalance of concurrent consumers has no such lock: the new member reads
// the offsets when it joins, while the old one persists them when it drops
// the queues. So every clustering subscription has the client persist its
// offsets within a few milliseconds of a callback's success (at most every
// persistGap) instead of every 5 s: a member that joins later starts after
// every message acknowledged before; messages acknowledged in the last
// milliseconds before it joined, or still being handled, can be delivered
// again.

// persistDelay lets the client apply a callback's result before its
// offsets are persisted; persistGap bounds how often they are.
const (
	persistDelay = time.Millisecond
	persistGap   = 20 * time.Millisecond
)

// persistSoon has the client persist its offsets (PersistConsumerOffset:
// one-way requests on the client's connection) soon after callbacks
// succeed, until stop is closed.
func (s *subscription) persistSoon(stop <-chan struct{}) {
	p, ok := s.pc.(interface{ PersistConsumerOffset() error })
	if !ok {
		return
	}
	var last map[primitive.MessageQueue]int64
	t := time.NewTimer(0)
	<-t.C
	pause := func(d time.Duration) bool {
		t.Reset(d)
		select {
		case <-stop:
			t.Stop()
			return false
		case <-t.C:
			return true
		}
	}
	for {
		select {
		case <-stop:
			return
		case <-s.kick:
		}
		// Persist what changed, then look again until two looks in a row
		// find nothing new (the client may apply a result late).
		d := persistDelay
		for quiet := 0; quiet < 2; d = persistGap {
			if !pause(d) {
				return
			}
			offs := clientOffsets(s.pc)
			if offs == nil || maps.Equal(offs, last) {
				quiet++
				continue
			}
			quiet = 0
			if err := p.PersistConsumerOffset(); err == nil {
				last = offs
			}
		}
	}
}

// watchEvery is how often an orderly subscription looks at its queues;
// rebalanceEvery how often it checks it holds all it should.
// unlockEvery how often it releases what it does not hold regardless;
// routeEvery how often it reads the topic's route again.
const (
	watchEvery     = 100 * time.Millisecond
	rebalanceEvery = time.Second
	unlockEvery    = 5 * time.Second
	routeEvery     = 10 * time.Second
)

// consumerField returns the named field of pc's defaultConsumer (of
// rocketmq-client-go v2.1.2), usable despite being unexported; ok false when
// the layout differs.
func consumerField(pc rmq.PushConsumer, name string) (reflect.Value, bool) {
	v := reflect.ValueOf(pc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	dc := v.Elem().FieldByName("defaultConsumer")
	if !dc.IsValid() || dc.Kind() != reflect.Pointer || dc.IsNil() {
		return reflect.Value{}, false
	}
	f := dc.Elem().FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}

// clientCall calls the exported method name (no arguments) of pc's client
// (internal.RMQClient); nil results when unavailable.
func clientCall(pc rmq.PushConsumer, name string) []reflect.Value {
	f, ok := consumerField(pc, "client")
	if !ok || f.Kind() != reflect.Interface || f.IsNil() {
		return nil
	}
	m := f.MethodByName(name)
	if !m.IsValid() || m.Type().NumIn() != 0 {
		return nil
	}
	return m.Call(nil)
}

// clientID is the id under which pc's client registers at the broker (and
// holds queue locks); "" when unknown.
func clientID(pc rmq.PushConsumer) string {
	out := clientCall(pc, "ClientID")
	if len(out) != 1 || out[0].Kind() != reflect.String {
		return ""
	}
	return out[0].String()
}

// clientOffsets returns a copy of the offsets pc's client holds (its
// remote broker offset store, clustering only), nil when unknown.
func clientOffsets(pc rmq.PushConsumer) map[primitive.MessageQueue]int64 {
	f, ok := consumerField(pc, "storage")
	if !ok || f.Kind() != reflect.Interface || f.IsNil() {
		return nil
	}
	p := f.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return nil
	}
	st := p.Elem()
	mu, table := st.FieldByName("mutex"), st.FieldByName("OffsetTable")
	if !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.RWMutex{}) ||
		!table.IsValid() || table.Type() != reflect.TypeOf(map[primitive.MessageQueue]int64(nil)) {
		return nil
	}
	lock := (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr()))
	m := *(*map[primitive.MessageQueue]int64)(unsafe.Pointer(table.UnsafeAddr()))
	lock.RLock()
	defer lock.RUnlock()
	out := make(map[primitive.MessageQueue]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// waitRebalance waits until a rebalance of pc's client in progress has
// ended (rocketmq-client-go v2.1.2 runs them under rmqClient.rbMutex).
func waitRebalance(pc rmq.PushConsumer) {
	f, ok := consumerField(pc, "client")
	if !ok || f.Kind() != reflect.Interface || f.IsNil() {
		return
	}
	p := f.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Struct {
		return
	}
	mu := p.Elem().FieldByName("rbMutex")
	if !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.Mutex{}) || !mu.CanAddr() {
		return
	}
	m := (*sync.Mutex)(unsafe.Pointer(mu.UnsafeAddr()))
	m.Lock()
	//lint:ignore SA2001 an empty critical section: waiting for the client's rebalance is the point
	m.Unlock()
}

// heldQueues returns the queues in pc's process queue table.
func heldQueues(pc rmq.PushConsumer) map[primitive.MessageQueue]bool {
	table := processQueues(pc)
	if table == nil {
		return nil
	}
	out := map[primitive.MessageQueue]bool{}
	table.Range(func(k, _ any) bool {
		if q, ok := k.(primitive.MessageQueue); ok {
			out[q] = true
		}
		return true
	})
	return out
}

// brokerNames maps the broker names of topic to their master addresses.
func (c *conn) brokerNames(ctx context.Context, topic string) (map[string]string, error) {
	r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, topic)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("no route for %s", topic)
	}
	return r.ByName, nil
}

// nsGroup is group as the broker knows it (with the namespace prefix).
func (c *conn) nsGroup(group string) string {
	if c.cfg.namespace != "" {
		return c.cfg.namespace + "%" + group
	}
	return group
}

// commitOffsets commits offs for group synchronously (each request is
// answered before the next), so a member that reads them afterwards starts
// there.
func (c *conn) commitOffsets(ctx context.Context, group string, offs map[primitive.MessageQueue]int64) error {
	addrs := map[string]map[string]string{} // topic -> broker name -> address
	var first error
	for q, off := range offs {
		if off < 0 {
			continue
		}
		names, ok := addrs[q.Topic]
		if !ok {
			var err error
			if names, err = c.brokerNames(ctx, q.Topic); err != nil {
				names = nil
				if first == nil {
					first = err
				}
			}
			addrs[q.Topic] = names
		}
		addr := names[q.BrokerName]
		if addr == "" {
			continue
		}
		if err := c.commitOffset(ctx, addr, c.nsGroup(group), q.Topic, strconv.Itoa(q.QueueId), strconv.FormatInt(off, 10)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// unlockQueues releases the broker locks clientID holds on qs for group.
func (c *conn) unlockQueues(ctx context.Context, group, clientID string, qs []primitive.MessageQueue) error {
	byBroker := map[string][]primitive.MessageQueue{}
	for _, q := range qs {
		byBroker[q.Topic+"\x00"+q.BrokerName] = append(byBroker[q.Topic+"\x00"+q.BrokerName], q)
	}
	var first error
	for _, group2 := range byBroker {
		names, err := c.brokerNames(ctx, group2[0].Topic)
		addr := names[group2[0].BrokerName]
		if err != nil || addr == "" {
			if first == nil {
				first = fmt.Errorf("unlock %v: broker %s unknown: %v", group2, group2[0].BrokerName, err)
			}
			continue
		}
		body, _ := json.Marshal(map[string]any{"consumerGroup": c.nsGroup(group), "clientId": clientID, "mqSet": group2})
		h, _, err := remoting.InvokeBody(ctx, addr, remoting.ReqUnlockBatchMQ, nil, body)
		if err == nil && h.Code != remoting.ResSuccess {
			err = fmt.Errorf("broker %s: unlock: code %d: %s", addr, h.Code, h.Remark)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// consumerIDs lists the members of group registered at the broker at addr.
func (c *conn) consumerIDs(ctx context.Context, addr, group string) ([]string, error) {
	h, body, err := remoting.Invoke(ctx, addr, remoting.ReqGetConsumerListByGroup, map[string]string{"consumerGroup": c.nsGroup(group)})
	if err != nil {
		return nil, err
	}
	if h.Code != remoting.ResSuccess {
		return nil, fmt.Errorf("broker %s: consumers of %s: code %d: %s", addr, group, h.Code, h.Remark)
	}
	var list struct {
		IDs []string `json:"consumerIdList"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	return list.IDs, nil
}

// allocated is how many of n queues the client's default strategy
// (AllocateByAveragely) gives the member at index i of m sorted members.
func allocated(n, m, i int) int {
	if i < 0 || m == 0 || i >= m {
		return 0
	}
	mod := n % m
	size := n / m
	if n <= m {
		size = 1
	} else if mod > 0 && i < mod {
		size++
	}
	start := i*size + mod
	if mod > 0 && i < mod {
		start = i * size
	}
	return max(min(size, n-start), 0)
}

// share returns how many queues of the topic the group's allocation gives
// this subscription and whether it is known (this member registered at the
// broker).
func (s *subscription) share(ctx context.Context) (int, bool) {
	r, err := remoting.QueryRoute(ctx, s.c.cfg.nameServers, s.c.fullTopic(s.cfg.Topic))
	if err != nil || r == nil {
		return 0, false
	}
	want, _, ok := s.shareOf(ctx, r)
	return want, ok
}

// shareOf is share for the topic's route r; it also returns the group's
// members.
func (s *subscription) shareOf(ctx context.Context, r *remoting.Route) (int, []string, bool) {
	if s.cid == "" || len(r.BrokerAddrs) == 0 {
		return 0, nil, false
	}
	ids, err := s.c.consumerIDs(ctx, r.BrokerAddrs[0], s.group)
	if err != nil {
		return 0, nil, false
	}
	sort.Strings(ids)
	i := sort.SearchStrings(ids, s.cid)
	if i == len(ids) || ids[i] != s.cid {
		return 0, ids, false
	}
	return allocated(r.Queues, len(ids), i), ids, true
}

// watch runs for orderly clustering subscriptions until stop is closed.
// When a queue leaves the client's table (a rebalance took it away), when
// the group's members change, and every unlockEvery anyway (a queue can be
// locked and dropped between two looks, or locked by a rebalance that then
// failed to add it), it commits and unlocks every queue of the topic and
// its retry topic that the subscription does not hold and has no message of
// in a callback (the broker ignores queues locked by others). A queue being
// added at that moment is safe: the client marks a new queue unlocked and
// locks it again before consuming. Every rebalanceEvery it also asks the
// client to rebalance while it holds fewer queues than the group's
// allocation gives it (queues whose lock was still held at the last
// rebalance).
func (s *subscription) watch(stop <-chan struct{}) {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	full := s.c.fullTopic(s.cfg.Topic)
	var (
		r         *remoting.Route          // the topic's route, refreshed every routeEvery
		all       []primitive.MessageQueue // the topic's and retry topic's queues
		members   []string
		routeAt   time.Time
		unlockAt  time.Time
		balanceAt time.Time
	)
	held := heldQueues(s.pc)
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		now := time.Now()
		cur := heldQueues(s.pc)
		release := false
		for q := range held {
			if !cur[q] {
				release = true
			}
		}
		held = cur
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if now.After(routeAt) || r == nil {
			routeAt = now.Add(routeEvery)
			if nr, err := remoting.QueryRoute(ctx, s.c.cfg.nameServers, full); err == nil && nr != nil {
				r = nr
			}
			all = s.c.queuesOf(ctx, full, s.retryTopic)
		}
		if now.After(balanceAt) && r != nil {
			balanceAt = now.Add(rebalanceEvery)
			want, ids, ok := s.shareOf(ctx, r)
			if !slices.Equal(ids, members) {
				members = ids
				release = true
			}
			n := 0
			for q := range cur {
				if q.Topic == full {
					n++
				}
			}
			if ok && n < want {
				clientCall(s.pc, "RebalanceImmediately")
			}
		}
		if release || now.After(unlockAt) {
			unlockAt = now.Add(unlockEvery)
			s.releaseUnheld(ctx, all, cur)
		}
		cancel()
	}
}

// queuesOf lists the queues of topics (by their routes).
func (c *conn) queuesOf(ctx context.Context, topics ...string) []primitive.MessageQueue {
	var qs []primitive.MessageQueue
	for _, topic := range topics {
		if topic == "" {
			continue
		}
		r, err := remoting.QueryRoute(ctx, c.cfg.nameServers, topic)
		if err != nil || r == nil {
			continue
		}
		for name, addr := range r.ByName {
			for q := 0; q < r.PerBroker[addr]; q++ {
				qs = append(qs, primitive.MessageQueue{Topic: topic, BrokerName: name, QueueId: q})
			}
		}
	}
	return qs
}

// releaseUnheld commits the next offset (what this subscription finished)
// of each queue of all not in held and not busy, and unlocks them, for the
// member that takes them over.
func (s *subscription) releaseUnheld(ctx context.Context, all []primitive.MessageQueue, held map[primitive.MessageQueue]bool) {
	var free []primitive.MessageQueue
	offs := map[primitive.MessageQueue]int64{}
	s.mu.Lock()
	for _, q := range all {
		if held[q] || s.inflight[q] > 0 {
			continue
		}
		free = append(free, q)
		if off, ok := s.done[q]; ok {
			offs[q] = off
			delete(s.done, q)
		}
	}
	s.mu.Unlock()
	if len(offs) > 0 {
		if err := s.c.commitOffsets(ctx, s.group, offs); err != nil {
			s.c.log.Warn("unimq: rocketmq could not commit the offset of a queue taken away", "group", s.group, "error", err.Error())
		}
	}
	if len(free) > 0 {
		if err := s.c.unlockQueues(ctx, s.group, s.cid, free); err != nil {
			s.c.log.Warn("unimq: rocketmq could not unlock queues taken away; their next owner waits for the lock to expire", "group", s.group, "error", err.Error())
		}
	}
}

// handOff runs in Close before the client shuts down (clustering only): it
// commits the offsets the client holds, synchronously, so the member that
// takes the queues over (when the client unregisters) starts after every
// acknowledged message; an orderly subscription then unlocks its queues.
func (s *subscription) handOff(ctx context.Context) {
	if s.bcast {
		return
	}
	held := heldQueues(s.pc)
	offs := clientOffsets(s.pc)
	s.mu.Lock()
	for q, off := range s.done {
		if off > offs[q] {
			if offs == nil {
				offs = map[primitive.MessageQueue]int64{}
			}
			offs[q] = off
		}
	}
	s.mu.Unlock()
	// A concurrent subscription computes the offsets from what was
	// acknowledged (acked.go): the client may not have applied the last
	// callbacks' results yet. It first lets the callbacks of messages
	// below an acknowledged one start (lateBatch hands them over).
	s.mu.Lock()
	handedOver := s.handedOver
	s.mu.Unlock()
	if s.acked != nil && handedOver {
		if n := s.waitGaps(); n > 0 {
			s.c.log.Warn("unimq: rocketmq messages below acknowledged ones were not handed over at close; the next member may replay", "group", s.group, "messages", n)
		}
	}
	for q, off := range s.ackedOffsets() {
		if off > offs[q] {
			if offs == nil {
				offs = map[primitive.MessageQueue]int64{}
			}
			offs[q] = off
		}
	}
	if len(offs) > 0 {
		raiseClientOffsets(s.pc, offs) // what the client persists at shutdown agrees
		if err := s.commitRetrying(ctx, offs); err != nil {
			s.c.log.Warn("unimq: rocketmq could not commit offsets at close; the next member may replay", "group", s.group, "error", err.Error())
		}
	}
	if s.ordered && s.cid != "" && len(held) > 0 {
		qs := make([]primitive.MessageQueue, 0, len(held))
		for q := range held {
			qs = append(qs, q)
		}
		if err := s.c.unlockQueues(ctx, s.group, s.cid, qs); err != nil {
			s.c.log.Debug("unimq: rocketmq unlock at close", "group", s.group, "error", err.Error())
		}
	}
}

// commitAttempts bounds the synchronous commits of handOff (a busy broker
// times requests out; the client's own one-way persist follows anyway).
const commitAttempts = 3

// commitRetrying commits offs, again after a failure while ctx allows.
func (s *subscription) commitRetrying(ctx context.Context, offs map[primitive.MessageQueue]int64) error {
	var err error
	for i := 0; i < commitAttempts; i++ {
		if err = s.c.commitOffsets(ctx, s.group, offs); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// unlockAll runs in Close after the client shut down (orderly clustering
// only): a rebalance still running during Close (the client's, on a
// membership change) may have locked a queue after handOff, or locked one
// it then failed to add; every queue of the topic and of the retry topic is
// unlocked for this client id (the broker ignores queues it does not hold).
func (s *subscription) unlockAll(ctx context.Context) {
	if !s.ordered || s.bcast || s.cid == "" {
		return
	}
	// A rebalance that was running when the client shut down may have
	// sent lock requests the broker has not answered yet: wait until it
	// ended (the client runs each under its rebalance mutex), so those
	// locks are in place before they are released.
	waitRebalance(s.pc)
	qs := s.c.queuesOf(ctx, s.c.fullTopic(s.cfg.Topic), s.retryTopic)
	if err := s.c.unlockQueues(ctx, s.group, s.cid, qs); err != nil {
		s.c.log.Debug("unimq: rocketmq unlock after close", "group", s.group, "error", err.Error())
	}
}
