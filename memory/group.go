package memory

import (
	"github.com/unimq/unimq/mq/driver"
)

// group is the consumption state of one (topic, group): per partition the
// next offset to read and which read offsets are settled, the messages
// waiting for (re)delivery, and, for ordered groups, which keys have a
// message unsettled. Every field is guarded by the topic's mutex.
type group struct {
	t         *topic
	name      string
	broadcast bool // a subscriber's private group, deleted on its Close
	ordered   bool
	deleted   bool

	parts   []window
	ready   []readyItem // returned, nacked or released messages, FIFO
	rhead   int
	rr      int // partition to read next
	busy    map[string][]*driver.Message
	members []*subscription
	waiters []*subscription

	// like=rabbitmq: what the group's queue is bound by (routes.go)
	bindAll  bool
	bindings []driver.Filter
}

// readyItem is a message waiting for redelivery; attempts is how many
// deliveries it had.
type readyItem struct {
	m        *driver.Message
	attempts int
}

// window tracks the read part of one partition for a group: offsets below
// base are settled, offsets in [base, next) were read and done[head+i] says
// whether base+i is settled.
type window struct {
	base int64
	next int64
	done []bool
	head int
}

func (w *window) read() {
	if w.head == len(w.done) && w.base == w.next {
		w.done = w.done[:0]
		w.head = 0
	}
	w.done = append(w.done, false)
	w.next++
}

// readSettled records reading an offset that needs no delivery.
func (w *window) readSettled() {
	if w.base == w.next {
		w.base++
		w.next++
		return
	}
	w.done = append(w.done, true)
	w.next++
}

// settle marks off settled and reports whether base moved.
func (w *window) settle(off int64) bool {
	i := w.head + int(off-w.base)
	if off < w.base || i >= len(w.done) {
		return false
	}
	w.done[i] = true
	moved := false
	for w.head < len(w.done) && w.done[w.head] {
		w.head++
		w.base++
		moved = true
	}
	if w.head == len(w.done) {
		w.done = w.done[:0]
		w.head = 0
	} else if w.head >= 1024 && w.head*2 >= len(w.done) {
		n := copy(w.done, w.done[w.head:])
		w.done = w.done[:n]
		w.head = 0
	}
	return moved
}

func newGroup(t *topic, name string, broadcast bool, start driver.StartPosition) *group {
	g := &group{t: t, name: name, broadcast: broadcast, parts: make([]window, len(t.parts))}
	for i := range t.parts {
		p := &t.parts[i]
		var off int64
		switch start.Kind {
		case driver.StartOldest:
			off = p.base
		case driver.StartAtTime:
			off = p.firstAtOrAfter(start.Time)
		default:
			off = p.end
		}
		g.parts[i] = window{base: off, next: off}
	}
	return g
}

// setOrdered switches per-key ordering on or off while the group has no
// member (so nothing is in flight).
func (g *group) setOrdered(on bool) {
	if g.ordered == on {
		return
	}
	g.ordered = on
	if !on {
		for _, q := range g.busy {
			for _, m := range q {
				g.pushReady(m, 0)
			}
		}
		g.busy = nil
		return
	}
	g.busy = map[string][]*driver.Message{}
	items := append([]readyItem(nil), g.ready[g.rhead:]...)
	g.ready, g.rhead = g.ready[:0], 0
	for _, it := range items {
		k := g.lane(it.m)
		if q, busy := g.busy[k]; busy {
			g.busy[k] = append(q, it.m) // loses its attempt count; rare
			continue
		}
		g.busy[k] = nil
		g.ready = append(g.ready, it)
	}
}

func (g *group) lane(m *driver.Message) string {
	if m.Key != "" {
		return m.Key
	}
	return g.t.lanes[m.Partition]
}

func (g *group) pushReady(m *driver.Message, attempts int) {
	g.ready = append(g.ready, readyItem{m, attempts})
}

func (g *group) popReady() (readyItem, bool) {
	if g.rhead == len(g.ready) {
		return readyItem{}, false
	}
	it := g.ready[g.rhead]
	g.ready[g.rhead] = readyItem{}
	g.rhead++
	if g.rhead == len(g.ready) {
		g.ready, g.rhead = g.ready[:0], 0
	} else if g.rhead >= 1024 && g.rhead*2 >= len(g.ready) {
		n := copy(g.ready, g.ready[g.rhead:])
		clear(g.ready[n:])
		g.ready, g.rhead = g.ready[:n], 0
	}
	return it, true
}

func (g *group) hasReady() bool { return g.rhead < len(g.ready) }

// readLog returns the next unread message of the log, rotating over
// partitions, or nil.
func (g *group) readLog() *driver.Message {
	n := len(g.parts)
	for i := 0; i < n; i++ {
		pi := (g.rr + i) % n
		w := &g.parts[pi]
		p := &g.t.parts[pi]
		for w.next < p.base { // cannot happen: eviction keeps what groups need
			w.readSettled()
		}
		if w.next < p.end {
			m := p.at(w.next)
			w.read()
			g.rr = pi + 1
			return m
		}
	}
	return nil
}

// finish settles m for good (acked or dead-lettered) and lets the next
// message of its key go.
func (g *group) finish(m *driver.Message) {
	g.settleOffset(m)
	if g.ordered {
		k := g.lane(m)
		q, busy := g.busy[k]
		if !busy {
			return
		}
		if len(q) == 0 {
			delete(g.busy, k)
			return
		}
		g.pushReady(q[0], 0)
		q[0] = nil
		g.busy[k] = q[1:]
		g.wake()
	}
}

func (g *group) settleOffset(m *driver.Message) {
	pi := int(m.Partition)
	if g.parts[pi].settle(m.Offset) && g.t.full(pi) {
		g.t.freeSpace()
	}
}

// wake wakes every receiver waiting in the group.
func (g *group) wake() {
	for i, s := range g.waiters {
		s.signalLocked()
		g.waiters[i] = nil
	}
	g.waiters = g.waiters[:0]
}

// take fills out with up to max deliveries for s: redeliveries first, then
// the log. It does not apply s's filter: matching runs outside the topic's
// lock (subscription.sift), so a slow filter holds up no other caller.
func (g *group) take(s *subscription, max int, out []*driver.Message) []*driver.Message {
	for len(out) < max {
		if len(s.extra) > 0 {
			d := s.extra[0]
			s.extra[0] = nil
			s.extra = s.extra[1:]
			out = appendOut(out, &d.msg, max)
			continue
		}
		if it, ok := g.popReady(); ok {
			out = s.deliver(out, it.m, it.attempts+1, max)
			continue
		}
		m := g.readLog()
		if m == nil {
			break
		}
		if g.ordered {
			k := g.lane(m)
			if q, busy := g.busy[k]; busy {
				g.busy[k] = append(q, m)
				continue
			}
			g.busy[k] = nil
		}
		out = s.deliver(out, m, 1, max)
	}
	return out
}

func appendOut(out []*driver.Message, m *driver.Message, max int) []*driver.Message {
	if out == nil {
		out = make([]*driver.Message, 0, min(max, 256))
	}
	return append(out, m)
}

// backlog counts the messages the group has not settled.
func (g *group) backlog() int {
	n := 0
	for i := range g.parts {
		n += int(g.t.parts[i].end - g.parts[i].base)
	}
	return n
}

func (g *group) removeMember(s *subscription) {
	for i, x := range g.members {
		if x == s {
			g.members = append(g.members[:i], g.members[i+1:]...)
			break
		}
	}
	for i, x := range g.waiters {
		if x == s {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			break
		}
	}
}

// deleteGroup forgets g and its hold on retention. Caller holds t.mu.
func (t *topic) deleteGroup(g *group) {
	g.deleted = true
	delete(t.groups, g.name)
	for i, x := range t.glist {
		if x == g {
			t.glist = append(t.glist[:i], t.glist[i+1:]...)
			break
		}
	}
	t.freeSpace()
}
