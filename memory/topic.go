package memory

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/unimq/unimq/mq/driver"
	"github.com/unimq/unimq/mq/driver/kit"
)

// topic is a set of partitions, each an append-only log, and the groups
// reading it. One mutex guards the topic, its partitions and its groups.
type topic struct {
	b    *Broker
	name string

	mu           sync.Mutex
	parts        []partition
	groups       map[string]*group
	glist        []*group // groups, for iteration on the publish path
	rr           uint32   // round-robin partition for messages without key
	space        chan struct{}
	spaceWaiters int
	delayed      int // delayed messages scheduled and not yet visible
	closed       bool

	idPrefix []string // "topic/p@" per partition, for BrokerID
	ids      []byte   // arena the BrokerID strings are cut from
	lanes    []string // ordering lane of keyless messages per partition
}

// partition is an append-only log; log[head] has offset base, end is the
// offset the next message gets.
type partition struct {
	log  []*driver.Message
	head int
	base int64
	end  int64
}

func (p *partition) len() int { return len(p.log) - p.head }

func (p *partition) at(off int64) *driver.Message { return p.log[p.head+int(off-p.base)] }

func (p *partition) push(m *driver.Message) {
	p.log = append(p.log, m)
	p.end++
}

func (p *partition) evictOldest() {
	p.log[p.head] = nil
	p.head++
	p.base++
	if p.head == len(p.log) {
		p.log = p.log[:0]
		p.head = 0
	} else if p.head >= 1024 && p.head*2 >= len(p.log) {
		n := copy(p.log, p.log[p.head:])
		clear(p.log[n:])
		p.log = p.log[:n]
		p.head = 0
	}
}

// firstAtOrAfter returns the offset of the first retained message published
// at or after at (end when none).
func (p *partition) firstAtOrAfter(at time.Time) int64 {
	lo, hi := p.head, len(p.log)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if p.log[mid].PublishTime.Before(at) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return p.base + int64(lo-p.head)
}

func newTopic(b *Broker, name string) *topic {
	n := b.cfg.Partitions
	t := &topic{b: b, name: name, parts: make([]partition, n), groups: map[string]*group{},
		idPrefix: make([]string, n), lanes: make([]string, n)}
	for i := range n {
		t.idPrefix[i] = name + "/" + strconv.Itoa(i) + "@"
		t.lanes[i] = "\x00partition-" + strconv.Itoa(i)
	}
	return t
}

// partitionOf picks the partition of a message: FNV-1a (32 bit) of the key
// modulo the partition count, round-robin without a key.
func (t *topic) partitionOf(key string) int32 {
	n := uint32(len(t.parts))
	if key == "" {
		t.rr++
		return int32(t.rr % n)
	}
	return int32(kit.FNV1a(key) % n)
}

// low returns the lowest offset of partition pi some group still needs
// (math.MaxInt64 when none).
func (t *topic) low(pi int) int64 {
	low := int64(math.MaxInt64)
	for _, g := range t.glist {
		if b := g.parts[pi].base; b < low {
			low = b
		}
	}
	return low
}

// makeRoom evicts the oldest messages of partition pi no group needs until
// want more fit; it reports whether they do.
func (t *topic) makeRoom(pi int, want int) bool {
	p := &t.parts[pi]
	max := t.b.cfg.MaxBacklog
	if p.len()+want <= max {
		return true
	}
	low := t.low(pi)
	for p.len() > 0 && p.len()+want > max && p.base < low {
		p.evictOldest()
	}
	return p.len()+want <= max
}

// freeSpace wakes publishers waiting for room. Caller holds mu.
func (t *topic) freeSpace() {
	if t.space != nil {
		close(t.space)
		t.space = nil
	}
}

// full reports whether partition pi is at capacity (settling there may
// unblock a publisher). Caller holds mu.
func (t *topic) full(pi int) bool {
	return t.spaceWaiters > 0 && t.parts[pi].len() >= t.b.cfg.MaxBacklog
}

// send stores msgs in order: immediate ones appended to their partitions at
// once (atomically for a batch), delayed ones scheduled. It blocks or fails
// by the broker's FullMode when a partition is full. connDone aborts a
// blocked send when the connection closes.
func (t *topic) send(ctx context.Context, connDone <-chan struct{}, msgs []*driver.Message) error {
	const op = "publish"
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return driver.Errorf(driver.CodeClosed, op, "broker discarded")
	}
	n := int32(len(t.parts))
	for _, m := range msgs {
		if m.Partition >= n {
			t.mu.Unlock()
			return driver.Errorf(driver.CodeInvalidArgument, op, "partition %d out of range: topic %q has %d", m.Partition, t.name, n)
		}
	}
	now := time.Now()
	for _, m := range msgs {
		if m.Partition < 0 {
			m.Partition = t.partitionOf(m.Key)
		}
	}
	for {
		ok, err := t.fits(msgs, now)
		if err != nil {
			t.mu.Unlock()
			return err
		}
		if ok {
			break
		}
		if t.b.cfg.Full == Fail {
			t.mu.Unlock()
			return driver.Errorf(driver.CodeFull, op, "topic %q: partition full (maxbacklog %d) and a group still needs its oldest message", t.name, t.b.cfg.MaxBacklog)
		}
		if t.space == nil {
			t.space = make(chan struct{})
		}
		ch := t.space
		t.spaceWaiters++
		t.mu.Unlock()
		var werr error
		select {
		case <-ch:
		case <-ctx.Done():
			werr = &driver.Error{Code: driver.CodeOf(ctx.Err()), Op: op, Msg: "waiting for room in a full partition", Err: ctx.Err()}
		case <-connDone:
			werr = driver.Errorf(driver.CodeClosed, op, "client closed while waiting for room in a full partition")
		}
		t.mu.Lock()
		t.spaceWaiters--
		if werr == nil && t.closed {
			werr = driver.Errorf(driver.CodeClosed, op, "broker discarded")
		}
		if werr != nil {
			t.mu.Unlock()
			return werr
		}
		now = time.Now()
	}
	for _, m := range msgs {
		if !m.DeliverAt.IsZero() && m.DeliverAt.After(now) {
			t.schedule(m)
			continue
		}
		t.appendLocked(m, now)
	}
	t.wakeAll()
	t.mu.Unlock()
	return nil
}

// fits reports whether the immediate messages of msgs fit (evicting what no
// group needs). Delayed ones count against a separate bound.
func (t *topic) fits(msgs []*driver.Message, now time.Time) (bool, error) {
	if len(msgs) == 1 {
		m := msgs[0]
		if !m.DeliverAt.IsZero() && m.DeliverAt.After(now) {
			return true, t.delayRoom(1)
		}
		return t.makeRoom(int(m.Partition), 1), nil
	}
	var small [16]int
	var need []int
	if len(t.parts) <= len(small) {
		need = small[:len(t.parts)]
	} else {
		need = make([]int, len(t.parts))
	}
	delayed := 0
	for _, m := range msgs {
		if !m.DeliverAt.IsZero() && m.DeliverAt.After(now) {
			delayed++
			continue
		}
		need[m.Partition]++
	}
	if err := t.delayRoom(delayed); err != nil {
		return false, err
	}
	ok := true
	for pi, k := range need {
		if k > t.b.cfg.MaxBacklog {
			return false, driver.Errorf(driver.CodeFull, "publish", "batch puts %d messages in one partition; maxbacklog is %d", k, t.b.cfg.MaxBacklog)
		}
		if k > 0 && !t.makeRoom(pi, k) {
			ok = false
		}
	}
	return ok, nil
}

// delayRoom bounds the delayed messages of a topic to what its partitions
// retain.
func (t *topic) delayRoom(k int) error {
	if k > 0 && t.delayed+k > t.b.cfg.MaxBacklog*len(t.parts) {
		return driver.Errorf(driver.CodeFull, "publish", "topic %q holds %d delayed messages, the most it takes", t.name, t.delayed)
	}
	return nil
}

// appendLocked appends m to its partition. Caller holds mu.
func (t *topic) appendLocked(m *driver.Message, now time.Time) {
	pi := m.Partition
	p := &t.parts[pi]
	off := p.end
	m.Topic = t.name
	m.Offset = off
	m.PublishTime = now
	m.Attempt = 0
	m.AckID = nil
	m.BrokerID = t.brokerID(pi, off)
	if len(m.Headers) > 0 {
		// The publisher may reuse its map; a broker keeps what was sent.
		m.Headers = cloneHeaders(m.Headers)
	}
	if t.b.cfg.CopyBodies && m.Body != nil {
		m.Body = append([]byte(nil), m.Body...)
	}
	p.push(m)
}

func cloneHeaders(h map[string]string) map[string]string {
	c := make(map[string]string, len(h))
	for k, v := range h {
		c[k] = v
	}
	return c
}

// brokerID returns "topic/partition@offset". The strings are cut from an
// append-only arena (never written again once cut), so the publish path
// allocates one arena per ~100 ids instead of one string per message
// (BenchmarkPublish: 1 allocation per message instead of 2; brokerid_test.go
// checks that ids stay intact and that the arena keeps paying). Caller holds
// mu.
func (t *topic) brokerID(pi int32, off int64) string {
	const arena = 4096
	prefix := t.idPrefix[pi]
	if need := len(prefix) + 20; cap(t.ids)-len(t.ids) < need {
		if need > arena/4 { // an unusually long topic name
			return prefix + strconv.FormatInt(off, 10)
		}
		t.ids = make([]byte, 0, arena)
	}
	start := len(t.ids)
	t.ids = append(t.ids, prefix...)
	t.ids = strconv.AppendInt(t.ids, off, 10)
	return unsafe.String(&t.ids[start], len(t.ids)-start)
}

// schedule holds a delayed message until its DeliverAt. The caller's
// message gets Partition, Offset -1 and a provisional BrokerID; the stored
// copy gets its offset when it becomes visible. Caller holds mu.
func (t *topic) schedule(m *driver.Message) {
	cp := *m
	if len(cp.Headers) > 0 {
		cp.Headers = cloneHeaders(cp.Headers)
	}
	if t.b.cfg.CopyBodies && cp.Body != nil {
		cp.Body = append([]byte(nil), cp.Body...)
	}
	m.Topic = t.name
	m.Offset = -1
	m.BrokerID = t.name + "/delayed-" + strconv.FormatUint(t.b.seq.Add(1), 10)
	t.delayed++
	if t.b.sched.add(cp.DeliverAt, func() { t.due(&cp) }) == nil {
		t.delayed--
	}
}

// due makes a delayed message visible. Its publish time is the moment it
// became visible. It never blocks: when a group still needs the oldest
// message of a full partition, the partition briefly holds more than
// MaxBacklog.
func (t *topic) due(m *driver.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.delayed--
	t.makeRoom(int(m.Partition), 1)
	t.appendLocked(m, time.Now())
	t.wakeAll()
}

// wakeAll wakes the receivers waiting in every group. Caller holds mu.
func (t *topic) wakeAll() {
	for _, g := range t.glist {
		if len(g.waiters) > 0 {
			g.wake()
		}
	}
}

func (t *topic) shutdown() {
	t.mu.Lock()
	t.closed = true
	t.freeSpace()
	for _, g := range t.glist {
		for _, s := range g.members {
			s.signalLocked()
		}
	}
	t.mu.Unlock()
}
